"""Languages as readers see them: dates in a language's own words (CLDR, through Babel) and the
direction its text runs.

A language is named as in `language` and `lang:` (BCP 47: "de", "pt-BR", "sr-Latn"). One that
Babel does not know gets English dates; the site's own setting is warned about when the settings
are read (newsdigest.catalogs.language_warnings), an article's `lang:` is not: it still marks the
article's text for browsers and screen readers.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time, match_skeleton

ENGLISH = "en"
# Right-to-left scripts, for a language Babel does not know (Babel's own data decides otherwise).
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ckb", "dv", "ug", "syr"})


@functools.lru_cache(maxsize=256)
def known_locale(tag: str) -> Locale | None:
    """Babel's locale for a language tag ("pt-BR", "pt_BR"), or None when it knows none."""
    cleaned = tag.strip().replace("-", "_")
    if not cleaned:
        return None
    try:
        return Locale.parse(cleaned)
    except (UnknownLocaleError, ValueError, TypeError):
        # "en-US-x-private" and other tags with parts Babel cannot read: try the language alone.
        language = cleaned.split("_")[0]
        if language == cleaned:
            return None
        try:
            return Locale.parse(language)
        except (UnknownLocaleError, ValueError, TypeError):
            return None


@functools.lru_cache(maxsize=256)
def locale_of(tag: str) -> Locale:
    """The locale dates are written in for a language: English for a language Babel lacks."""
    return known_locale(tag) or Locale.parse(ENGLISH)


def is_right_to_left(tag: str) -> bool:
    found = known_locale(tag)
    if found is not None:
        return found.text_direction == "rtl"
    return tag.strip().replace("_", "-").split("-")[0].lower() in RIGHT_TO_LEFT


def direction(tag: str) -> str:
    """ "rtl" or "ltr": the value of `dir` for text in this language."""
    return "rtl" if is_right_to_left(tag) else "ltr"


def candidates(tag: str) -> tuple[str, ...]:
    """The catalog names to look for, most specific first: de_AT, then de."""
    found = known_locale(tag)
    if found is None:
        return ()
    name = str(found)
    names = [name]
    while "_" in name:
        name = name.rsplit("_", 1)[0]
        names.append(name)
    return tuple(names)


# -- dates ------------------------------------------------------------------------------------
# Each form is one CLDR pattern, so that every language gets its own order, words and
# punctuation: "Wednesday, 2 September 2026", "Mittwoch, 2. September 2026",
# "среда, 2 сентября 2026 г.". Babel works a pattern out on every call, and a build names each
# day several times (its page, its edition, the lists around it): the days are cached. A moment
# is turned into its own day first (as Babel does): equal moments in two zones are two days.


@functools.lru_cache(maxsize=8192)
def _formatted(form: str, day: date, tag: str) -> str:
    locale = locale_of(tag)
    if form == "month_and_year":
        return str(format_datetime(day, _skeleton("yMMMM", tag), locale=locale))
    if form == "weekday_and_day":
        return str(format_datetime(day, _skeleton("MMMMEEEEd", tag), locale=locale))
    return str(format_date(day, form, locale=locale))


@functools.lru_cache(maxsize=256)
def _skeleton(skeleton: str, tag: str) -> str:
    """The language's pattern for a skeleton, picked as Babel's format_skeleton picks it, once:
    finding the closest one takes it a third of a millisecond, for each of thousands of days."""
    skeletons = locale_of(tag).datetime_skeletons
    if skeleton not in skeletons:
        skeleton = match_skeleton(skeleton, skeletons) or skeleton
    return str(skeletons[skeleton].pattern)


def _day(moment: date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def long_date(moment: date, tag: str) -> str:
    """The day in full, with its weekday: a dateline, a day's heading."""
    return _formatted("full", _day(moment), tag)


def short_date(moment: date, tag: str) -> str:
    """The day in a few characters: a teaser's date, a page range."""
    return _formatted("medium", _day(moment), tag)


def month_and_year(moment: date, tag: str) -> str:
    """ "September 2026", "сентябрь 2026 г.": a month's heading."""
    return _formatted("month_and_year", _day(moment), tag)


def month_name(moment: date, tag: str) -> str:
    """The month alone, as a list of months shows it ("September", "сентябрь")."""
    return _formatted("LLLL", _day(moment), tag)


def weekday_and_day(moment: date, tag: str) -> str:
    """The weekday and the day of the month: the link to a neighbouring day."""
    return _formatted("weekday_and_day", _day(moment), tag)


def clock(moment: datetime, tag: str) -> str:
    """The time of day in the language's own way ("23:05", "11:05 PM"), in the moment's zone.

    Cached by the time on the moment's own clock (the short form has no date and no zone):
    every list that shows an article shows its time, and Babel works the pattern out each call.
    """
    key = (moment.hour, moment.minute, moment.second, moment.microsecond, moment.tzinfo, tag)
    found = _CLOCKS.get(key)
    if found is None:
        if len(_CLOCKS) >= 16_384:
            _CLOCKS.clear()
        found = _CLOCKS[key] = format_time(
            moment, "short", tzinfo=moment.tzinfo, locale=locale_of(tag)
        )
    return found


_CLOCKS: dict[tuple[object, ...], str] = {}


def long_date_and_time(moment: datetime, tag: str) -> str:
    """The day in full and the time, joined the language's way ("…, 10:00", "…، 10:00 ص")."""
    return _joined("full", tag).format(clock(moment, tag), long_date(moment, tag))


def short_date_and_time(moment: datetime, tag: str) -> str:
    """The short day and the time, joined the language's way: "2 Sept 2026, 10:00"."""
    return _joined("medium", tag).format(clock(moment, tag), short_date(moment, tag))


@functools.lru_cache(maxsize=256)
def _joined(form: str, tag: str) -> str:
    """How the language joins a date and a time ("{1}, {0}"): asked for every teaser."""
    return str(locale_of(tag).datetime_formats[form])


def upper_first(text: str) -> str:
    """The text with its first letter a capital: a date standing alone as a heading or a list
    item ("Среда, 2 сентября"), where CLDR gives the form used inside a sentence ("среда")."""
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=32)
def plural_samples(tag: str) -> tuple[tuple[str, int], ...]:
    """A number for each of the language's plural categories (CLDR's "one", "few", "many",
    "other"...): script in the browser picks a category with Intl.PluralRules and needs a
    text for each, which gettext gives for a number of that category."""
    plural = locale_of(tag).plural_form
    found: dict[str, int] = {}
    for number in range(0, 1001):
        found.setdefault(plural(number), number)
    return tuple(sorted(found.items()))
