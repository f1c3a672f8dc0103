"""The theme's words in the site's language: gettext message catalogs, read from their PO files
and compiled in memory by Babel when a build starts.

newsdigest ships a catalog per language in newsdigest/locale/<lang>/LC_MESSAGES/newsdigest.po.
A site adds or overrides words in its own locale/<lang>/LC_MESSAGES/site.po: its messages win
over newsdigest's, and a message neither translates is shown in English. The files are PO text
compiled on every build rather than committed .mo files: what is read is what is reviewed,
and a site's catalog needs no extra step before a build.
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from newsdigest.errors import Problem
from newsdigest.language import ENGLISH, candidates, known_locale

DOMAIN = "newsdigest"  # newsdigest's own catalogs
SITE_DOMAIN = "site"  # a site's catalog, beside its content/
LOCALE_FOLDER = "locale"
CONFIG_FILE = "pyproject.toml"  # named in warnings about the language setting
_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def shipped_folder() -> Path:
    return Path(__file__).parent / LOCALE_FOLDER


def shipped_languages() -> tuple[str, ...]:
    """The languages newsdigest has a catalog for."""
    return tuple(
        sorted(path.parent.parent.name for path in shipped_folder().glob(f"*/*/{DOMAIN}.po"))
    )


def catalog_files(site_dir: Path, language: str) -> tuple[tuple[Path, str], ...]:
    """The catalogs a site in this language reads, as (path, domain), least specific first
    (newsdigest's de, newsdigest's de_AT, the site's de, the site's de_AT): each one read
    later overrides the messages of those before it."""
    names = tuple(reversed(candidates(language)))
    found = [(shipped_folder() / name / "LC_MESSAGES" / f"{DOMAIN}.po", DOMAIN) for name in names]
    found += [
        (site_locale_folder(site_dir) / name / "LC_MESSAGES" / f"{SITE_DOMAIN}.po", SITE_DOMAIN)
        for name in names
    ]
    return tuple((path, domain) for path, domain in found if path.is_file())


def site_locale_folder(site_dir: Path) -> Path:
    """Where a site keeps its own catalogs: locale/<lang>/LC_MESSAGES/site.po."""
    return site_dir / LOCALE_FOLDER


def is_site_catalog(path: Path, site_dir: Path) -> bool:
    """Whether a changed path is in the site's locale/ folder (or is it): a change there is a
    change of the settings (Config.catalogs), as one of pyproject.toml is."""
    folder = site_locale_folder(site_dir)
    return path == folder or path.is_relative_to(folder)


def catalogs_digest(site_dir: Path, language: str) -> str:
    """A digest of every catalog the language reads: pages depend on it as on a setting."""
    digest = hashlib.sha256(language.encode("utf-8"))
    for path, domain in catalog_files(site_dir, language):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0unreadable"
        digest.update(f"\0{domain}\0{path.as_posix()}\0".encode("utf-8", "surrogatepass") + data)
    return digest.hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Loaded:
    translations: gettext.NullTranslations
    problems: tuple[Problem, ...]  # a site catalog that cannot be read or has bad messages


def load(site_dir: Path, language: str, digest: str) -> Loaded:
    """The compiled translations of the language (`digest`, from catalogs_digest, tells a
    changed catalog from the one compiled before: compiled once per process and version)."""
    return _load(site_dir.resolve(), language, digest)


@functools.lru_cache(maxsize=8)
def _load(site_dir: Path, language: str, digest: str) -> Loaded:
    del digest  # the cache's key only
    locale = known_locale(language)
    merged: Translations | None = None
    problems: list[Problem] = []
    for path, domain in catalog_files(site_dir, language):
        catalog, found = read_catalog(path, locale, site_dir)
        problems += found
        if catalog is None:
            continue
        compiled = compile_catalog(catalog, domain)
        if merged is None:
            merged = compiled
        else:
            merged.merge(compiled)
    return Loaded(merged or gettext.NullTranslations(), tuple(problems))


def read_catalog(
    path: Path, locale: Locale | None, site_dir: Path
) -> tuple[Catalog | None, list[Problem]]:
    """The catalog of a PO file with the messages that would fail to render taken out, and a
    problem for each of those and for a file that cannot be read."""
    name = _site_name(path, site_dir)
    try:
        with path.open("rb") as file:
            catalog = read_po(file, locale=locale, abort_invalid=True)
    except PoFileError as error:
        reason = str(error).rsplit(" on ", 1)[0]
        return None, [Problem(name, f"not a valid PO file: {reason}", line=error.lineno + 1)]
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, [Problem(name, f"cannot read the message catalog: {error}")]
    problems = []
    for message in list(catalog):
        wrong = message_problem(message)
        if wrong and message.id:
            problems.append(
                Problem(
                    name,
                    f"the translation of {_shown(message.id)} {wrong}",
                    line=message.lineno,
                    hint="use the placeholders of the msgid, such as %(name)s, and %% for a "
                    "percent sign",
                )
            )
            catalog.delete(message.id, message.context)
    return catalog, problems


def message_problem(message: Message) -> str | None:
    """Why the translation would fail where it is used, or None.

    Pages format every translation with the values its English text names (`%(name)s`, and
    `num` for counts), so a translation may use those and no others.
    """
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    names = {name for text in ids for name in _PLACEHOLDER.findall(str(text))} | {"num"}
    values = _Values(names)
    for text in strings:
        if not text:
            continue
        try:
            str(text) % values
        except KeyError as error:
            return f"names {error.args[0]!r}, which its English text does not have"
        except (ValueError, TypeError) as error:
            return f"has a stray % or a bad placeholder ({error})"
    return None


class _Values(dict[str, object]):
    """A value for each name a message may use; a KeyError for any other."""

    def __init__(self, names: set[str]) -> None:
        super().__init__({name: 1 for name in names})


def compile_catalog(catalog: Catalog, domain: str) -> Translations:
    """Babel's compiled form of a catalog (what a .mo file holds), made in memory."""
    data = BytesIO()
    write_mo(data, catalog)
    data.seek(0)
    return Translations(data, domain=domain)


def language_warnings(site_dir: Path, language: str) -> list[Problem]:
    """What the site's language setting gives that the owner may not expect."""
    locale = known_locale(language)
    setting = "[tool.newsdigest] language"
    if locale is None:
        return [
            Problem(
                CONFIG_FILE,
                f"{setting}: {language!r} is not a language newsdigest knows: dates and the "
                "theme's words are in English",
                hint='use a language tag such as "de", "fr", "pt-BR" or "uk"',
                severity="warning",
            )
        ]
    if locale.language == ENGLISH or catalog_files(site_dir, language):
        return []
    name = locale.english_name or language
    return [
        Problem(
            CONFIG_FILE,
            f"{setting}: the theme has no {name} translation: its words are in English "
            f"and its dates in {name}",
            hint=f"translate its words in {LOCALE_FOLDER}/{candidates(language)[-1]}/"
            f"LC_MESSAGES/{SITE_DOMAIN}.po (see the documentation on languages)",
            severity="warning",
        )
    ]


def _site_name(path: Path, site_dir: Path) -> str:
    try:
        return path.relative_to(site_dir).as_posix()
    except ValueError:
        return path.as_posix()


def _shown(message_id: object) -> str:
    text = message_id[0] if isinstance(message_id, (list, tuple)) else message_id
    return repr(str(text))


# -- the theme's messages, for translators and tests ------------------------------------------

# Python modules that write words for readers with pages.words() (gettext/ngettext calls).
WORDING_MODULES = ("pages.py", "redirects.py", "edition.py")
# Names from the settings' defaults that templates look up in the catalogs (menu_name()).
SETTINGS_WORDS = ("Latest", "Topics", "Archive", "Search")


def theme_messages(templates: Path, package: Path) -> Catalog:
    """Every message of the theme's templates and of the Python that writes for readers, as
    Babel extracts them: what each shipped catalog must translate."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    catalog = Catalog(domain=DOMAIN, project="newsdigest")
    options = {"trimmed": "true", "newstyle_gettext": "true", "silent": "false"}
    found = extract_from_dir(
        str(templates),
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        options_map={"**.html": options},
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, locations=[(f"templates/{filename}", lineno)],
                    auto_comments=comments, context=context)  # fmt: skip
    for name in WORDING_MODULES:
        for lineno, message, comments, context in extract_from_file("python", package / name):
            catalog.add(message, locations=[(f"newsdigest/{name}", lineno)],
                        auto_comments=comments, context=context)  # fmt: skip
    for word in SETTINGS_WORDS:
        catalog.add(word, locations=[("newsdigest/config.py", 0)])
    return catalog
