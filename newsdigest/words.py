"""What pages and feeds say in one language: the theme's words from its catalogs, dates from CLDR.

Templates get the same translations through Jinja's i18n extension (theme.py); Python-made
words (page titles, descriptions, feed titles, redirect pages) come from here. Both format a
translation the same way: `%(name)s` placeholders, and `num` for the number of a plural.
"""

from __future__ import annotations

import functools
import gettext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from newsdigest import language
from newsdigest.catalogs import load


@dataclass(frozen=True, slots=True)
class Words:
    language: str  # the tag as the settings give it: "de", "pt-BR"
    translations: gettext.NullTranslations

    def gettext(self, message: str, **values: object) -> str:
        """The message in this language (English when no catalog translates it)."""
        return self.translations.gettext(message) % values

    def ngettext(self, singular: str, plural: str, number: int, **values: object) -> str:
        """The form of the message for `number` ("1 article", "3 статьи", "5 статей")."""
        return self.translations.ngettext(singular, plural, number) % {"num": number, **values}

    def long_date(self, day: date) -> str:
        """ "Mittwoch, 2. September 2026", "среда, 2 сентября 2026 г." (inside a sentence)."""
        return language.long_date(day, self.language)

    def heading(self, text: str) -> str:
        """A date standing alone, as a title or heading: "Среда, 2 сентября 2026 г."."""
        return language.upper_first(text)

    def short_date(self, day: date) -> str:
        return language.short_date(day, self.language)

    def month_and_year(self, day: date) -> str:
        return language.month_and_year(day, self.language)


def words_for(site_dir: Path, tag: str, digest: str) -> Words:
    """The words of a site in its language; `digest` (Config.catalogs) names the version of
    its catalogs, so a changed catalog is read again."""
    return _words(site_dir, tag, digest)


@functools.lru_cache(maxsize=8)
def _words(site_dir: Path, tag: str, digest: str) -> Words:
    return Words(tag, load(site_dir.resolve(), tag, digest).translations)
