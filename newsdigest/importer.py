"""`import`: raw scraped wire articles (SPEC section 8) into content files with front matter.

A raw article is a header (a `# Title` line, a byline, a date line and an optional photo caption
whose credit is bold at its end, in any order, with or without blank lines between them),
paragraphs (a scraper may have split one mid-sentence), and `Original url:` with the URL.
Parsing is line-based and forgiving: what is not recognised is reported per file, and only a
file without a title, a body or a date is skipped.

Imported articles get `sanitize: true`: scraped text may carry HTML that nobody reviewed.
A re-import finds the article a raw file became (by `source_url`, else by title and day) and
refreshes its imported fields and body, but keeps every field a person sets by hand (topics,
summary, slug, draft, the image's src and alt). The `import_digest` field fingerprints what the
importer wrote, so that imported fields and text a person edited since are kept too (and
named), unless --force.

Only regular files of at most MAX_RAW_BYTES are read: a FIFO would hang the import and
/dev/zero would fill the memory.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import combinations
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import frontmatter

from newsdigest.config import Config, TopicSettings
from newsdigest.content import is_temporary
from newsdigest.scaffold import front_matter
from newsdigest.stories import WINDOW, same_event, similarity, sketch
from newsdigest.urls import slugify

# A raw file this similar to an article already there (stories.similarity of their headlines
# and leads) is a copy of it sent again: --skip-duplicates leaves it out.
NEAR_IDENTICAL = 0.8
MAX_NAMED = 3  # articles of the same story named in a note
# Fields a person sets by hand after an import: a re-import keeps them as they are.
HAND_SET = ("topics", "summary", "slug", "draft", "lang", "updated", "sanitize")
RAW_SUFFIXES = (".txt", ".md", ".markdown", ".text")
MAX_RAW_BYTES = 2 * 1024 * 1024  # a raw article is a few kilobytes of text; past this it is not one
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
AGENCIES = {
    "afp": "AFP",
    "agence france-presse": "AFP",
    "ap": "AP",
    "associated press": "AP",
    "the associated press": "AP",
    "reuters": "Reuters",
    "bloomberg": "Bloomberg",
    "dpa": "dpa",
    "efe": "EFE",
    "ansa": "ANSA",
    "upi": "UPI",
    "tass": "TASS",
    "interfax": "Interfax",
    "xinhua": "Xinhua",
    "kyodo": "Kyodo",
    "yonhap": "Yonhap",
    "pa": "PA",
    "ukrinform": "Ukrinform",
    "anadolu": "Anadolu",
}
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?,?\s+)?"
# A time of day, and a zone when it is UTC or a numeric offset (`EST` and the like are ambiguous).
_ZONE = r"(?:\s*(?P<zone>z|utc|gmt|[+-]\d{2}:?\d{2}))?"
_CLOCK = (
    r"(?:,?\s+(?:at\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?" + _ZONE + ")?"
)
_DATE_FORMS = [
    re.compile(_WEEKDAY + r"(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+"
               r"(?P<year>\d{4})" + _CLOCK, re.IGNORECASE),
    re.compile(_WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[a-z]+)\.?,?"
               r"\s+(?P<year>\d{4})" + _CLOCK, re.IGNORECASE),
    # 3.9.2024 and 03.09.2024: day first, as everywhere that writes dates with dots.
    re.compile(_WEEKDAY + r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})" + _CLOCK,
               re.IGNORECASE),
    # ISO 8601: 2024-09-03, 2024-09-03 08:00, 2024-09-03T08:00:00.000Z, ...+02:00
    re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
               r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?"
               + _ZONE + ")?", re.IGNORECASE),
]  # fmt: skip
# `Published: ...`; the colon makes it a date line even when the date cannot be read.
_DATE_LABEL = re.compile(
    r"^(?:published|posted|date|updated|last\s+updated)\b(?:\s+on\b)?\s*(?P<colon>:)?\s*",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^by\s+(?P<who>.+)$", re.IGNORECASE)
_BRACKETED_OUTLET = re.compile(r"(?P<person>[^()]*?)\s*\((?P<outlet>[^()]+)\)")
# Where a byline may end and a date begin: `By Jane Doe | Sept. 3, 2024`.
_BYLINE_DATE_SEPARATOR = re.compile(r"\s*(?:[,|·•]|\s[-–—]\s)\s*")
# Words that may start in lower case in a byline; any other such word makes the line text.
_BYLINE_LOWER_WORDS = frozenset(
    {"and", "for", "of", "the", "in", "at", "with", "staff", "reporter", "reporters",
     "correspondent", "correspondents", "writer", "de", "del", "della", "di", "da", "das", "dos",
     "du", "van", "von", "der", "den", "ten", "la", "le", "el", "al", "bin", "ibn", "y", "e",
     "und"}
)  # fmt: skip
MAX_BYLINE_WORDS = 16
MAX_HEADER_LINE = 500  # characters; a longer line is text (and long lines make regexes slow)
_HEADING = re.compile(r"^#{1,6}\s")
_ATX_CLOSE = re.compile(r"\s+#+\s*$")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ORIGINAL_URL = re.compile(r"^(?:original\s+url|source\s+url|original)\s*:\s*(?P<rest>.*)$", re.I)
_URL = re.compile(r"<?(?:\[[^\]]*\]\()?(?P<url>https?://[^\s<>)]+)")
_CAPTION = re.compile(r"^(?P<caption>.*?)\s*\*\*(?P<credit>[^*]+)\*\*\s*$", re.DOTALL)
_URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d{2})/(?P<month>\d{1,2})/(?P<day>\d{1,2})(?:/|$)")
_TRAILING_ID = re.compile(
    r"[-_](?:[a-z]{0,2}\d{3,}|(?=[0-9a-f]*\d)[0-9a-f]{8,}|\d{4}-\d{2}-\d{2})$"
)  # -a86213, -123456, -9f8e7d6c5b, -2024-08-05
_PAGE_SUFFIX = re.compile(r"\.(?:s?html?|php|aspx?)$", re.IGNORECASE)
# A block that Markdown reads as something other than a paragraph: never joined to another.
_BLOCK_START = re.compile(r"^(?:[#>|]|[-*+]\s|\d+[.)]\s|```|~~~|    |!\[|<)")
_SENTENCE_END = re.compile(r"[.!?:;…\"'”’»)\]*_`]$")


class NotAnArticle(Exception):
    """The file has no title or no body: reported and skipped."""


@dataclass
class RawArticle:
    """What the parser recognised in one raw file, and what it noticed on the way."""

    title: str
    body: str
    published: datetime | None = None
    has_time: bool = False
    source: str | None = None
    author: str | None = None
    source_url: str | None = None
    caption: str | None = None
    credit: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return slug_from_url(self.source_url) or slugify(self.title)


def parse_raw(text: str, tz: ZoneInfo) -> RawArticle:
    """Read one raw article; raise NotAnArticle when there is no title or no body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    lines, source_url, url_note = _take_original_url(lines)
    if not any(line.strip() for line in lines):
        raise NotAnArticle("the file is empty")
    raw = RawArticle(title="", body="", source_url=source_url)
    if url_note:
        raw.notes.append(url_note)
    start = read_header(lines, raw, tz)
    if not raw.title:
        raise NotAnArticle(
            "no title: the file should start with a '# Title' line "
            "(the byline, date and photo caption may come before or after it)"
        )
    paragraphs, joined = rejoin_split_paragraphs(split_lines(split_blocks(lines[start:])))
    if not paragraphs:
        raise NotAnArticle("no body: no paragraphs after the title, byline and date")
    raw.body = "\n\n".join(paragraphs) + "\n"
    _describe(raw, joined, tz)
    return raw


def read_header(lines: Sequence[str], raw: RawArticle, tz: ZoneInfo) -> int:
    """Fill raw's title, byline, date and caption from the header; return where the text starts.

    The header is the run of lines at the top that are each a title (`# ...`), a byline, a date
    or a photo caption, in any order and with or without blank lines between them. The first
    line that is none of these (or repeats one already read) starts the text.
    """
    for index, line in enumerate(lines):
        if line.strip() and not _take_header_line(line.strip(), raw, tz):
            return index
    return len(lines)


def _take_header_line(line: str, raw: RawArticle, tz: ZoneInfo) -> bool:
    """Read one header line into raw; False when it is not a header line raw still lacks."""
    if len(line) > MAX_HEADER_LINE:
        return False
    if line.startswith("#"):
        title = _strip_markdown(_ATX_CLOSE.sub("", line.lstrip("#")).strip())
        if raw.title or not title or not _HEADING.match(line):
            return False
        raw.title = title
        return True
    labelled = _DATE_LABEL.match(line)
    byline = _BYLINE.match(line)
    if byline:
        who, when = split_trailing_date(byline["who"], tz)
        if not looks_like_byline(who):  # `By the time the ships arrived, ...` is text
            return False
        return _take_byline(read_byline(who), raw) and (when is None or _take_date(when, raw))
    if agency(_strip_markdown(line).strip("() ")):
        return _take_byline((agency(_strip_markdown(line).strip("() ")), None), raw)
    when = read_date_line(line[labelled.end() :] if labelled else line, tz)
    if when is not None:
        return _take_date(when, raw)
    if labelled and labelled["colon"]:  # `Published: yesterday`: a date line nobody can read
        raw.notes.append(f"could not read the date line {line!r}")
        return True
    caption = _CAPTION.match(line)
    if caption and raw.caption is None and raw.credit is None:
        raw.caption = caption["caption"].strip() or None
        raw.credit = caption["credit"].strip()
        return True
    return False


def _take_byline(byline: tuple[str | None, str | None], raw: RawArticle) -> bool:
    """Fill the source and author still missing; `By Jane Doe` then `Reuters` gives both."""
    source, author = byline
    fills = (source and raw.source is None) or (author and raw.author is None)
    if not fills or (source and raw.source) or (author and raw.author):
        return False
    raw.source = raw.source or source
    raw.author = raw.author or author
    return True


def _take_date(when: DateLine, raw: RawArticle) -> bool:
    if when.published is None:
        raw.notes.append(f"{when.text!r} is not a real date: the date line was ignored")
        return True
    if raw.published is not None:
        raw.notes.append(f"a second date line {when.text!r} was ignored")
        return True
    raw.published, raw.has_time = when.published, when.has_time
    return True


def _describe(raw: RawArticle, joined: int, tz: ZoneInfo) -> None:
    """Fill the gaps that can be filled, and note what was not found."""
    if raw.published is None and raw.source_url:
        found = _URL_DATE.search(urlsplit(raw.source_url).path)
        if found:
            try:
                day = date(int(found["year"]), int(found["month"]), int(found["day"]))
                raw.published = datetime.combine(day, time(0, 0), tzinfo=tz)
                raw.notes.append("date taken from the original URL")
            except ValueError:
                pass
    if raw.published is None:
        raw.notes.append("no date line")
    if raw.source is None and raw.author is None:
        raw.notes.append("no byline")
    if raw.source is None and raw.source_url:  # a readable URL: it has a host
        raw.source = (urlsplit(raw.source_url).hostname or "").removeprefix("www.") or None
        raw.notes.append(f"source taken from the URL: {raw.source}")
    if raw.source_url is None:
        raw.notes.append("no original URL")
    if joined:
        raw.notes.append(f"rejoined {joined} paragraph(s) split mid-sentence")


def _take_original_url(lines: list[str]) -> tuple[list[str], str | None, str | None]:
    """Remove `Original url:` and its URL (same line or the next non-blank one) from the text."""
    for index, line in enumerate(lines):
        label = _ORIGINAL_URL.match(line.strip())
        if not label:
            continue
        url_line = index
        if not label["rest"].strip():  # the URL is on a following line
            url_line = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), index)
        found = _URL.match((label["rest"] if url_line == index else lines[url_line]).strip())
        if not found:
            return lines[:index] + lines[index + 1 :], None, "'Original url:' without a URL"
        url = found["url"].rstrip(".,>")
        if not _readable_url(url):
            note = f"'Original url:' with a URL that cannot be read: {url}"
            return lines[:index] + lines[url_line + 1 :], None, note
        return lines[:index] + lines[url_line + 1 :], url, None
    return lines, None, None


def _readable_url(url: str) -> bool:
    """A URL with a host that urllib can take apart (`https://[::1` and `http://:80` it cannot)."""
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def split_blocks(lines: Sequence[str]) -> list[str]:
    """Blank-line separated blocks, with fenced code kept whole even across blank lines."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for line in lines:
        marker = re.match(r"^\s*(```|~~~)", line)
        if fence is None and marker:
            fence = marker.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        if not line.strip() and fence is None:
            if current:
                blocks.append("\n".join(current).strip("\n"))
                current = []
            continue
        current.append(line.rstrip())
    if current:
        blocks.append("\n".join(current).strip("\n"))
    return [block for block in blocks if block.strip()]


def split_lines(blocks: Iterable[str]) -> list[str]:
    """A block of text lines with no blank line between them is split into a paragraph per
    line when every line ends like a sentence (a text copied with one paragraph per line);
    lists, quotes, tables, code and HTML stay together. Prose wrapped at a width (lines that
    end mid-sentence) stays one paragraph."""
    found: list[str] = []
    for block in blocks:
        lines = block.split("\n")
        text = [line for line in lines if not _BLOCK_START.match(line) and line[:1] != " "]
        if (
            len(lines) < 2
            or _BLOCK_START.match(block)
            or not all(_SENTENCE_END.search(line) for line in text)
        ):
            found.append(block)  # one paragraph, or prose wrapped at a width: as it is
            continue
        run: list[str] = []  # lines of a list or quote after the text, kept as one block
        for line in lines:
            if _BLOCK_START.match(line) or (run and line.startswith(" ")):
                run.append(line)
                continue
            if run:
                found.append("\n".join(run))
                run = []
            found.append(line)
        if run:
            found.append("\n".join(run))
    return found


def rejoin_split_paragraphs(blocks: Iterable[str]) -> tuple[list[str], int]:
    """Join a paragraph that ends mid-sentence with the next one when that starts in lower case."""
    paragraphs: list[str] = []
    joined = 0
    for block in blocks:
        if paragraphs and _continues(paragraphs[-1], block):
            paragraphs[-1] = paragraphs[-1].rstrip() + " " + block.lstrip()
            joined += 1
        else:
            paragraphs.append(block)
    return paragraphs, joined


def _continues(previous: str, block: str) -> bool:
    if _BLOCK_START.match(previous) or _BLOCK_START.match(block):
        return False
    if _SENTENCE_END.search(previous.rstrip()):
        return False
    first = block.lstrip()[:1]
    return first.isalpha() and first.islower()


@dataclass(frozen=True)
class DateLine:
    """A line that has the shape of a date; `published` is None when no such day exists."""

    text: str
    published: datetime | None
    has_time: bool


def read_date_line(text: str, tz: ZoneInfo) -> DateLine | None:
    """A date in a common form, as an aware datetime in the site's time zone; None if not a date.

    A time with `Z`, `UTC`, `GMT` or an offset is moved to the site's time zone; a time without
    one is taken as the site's local time.
    """
    text = text.strip().rstrip(".").strip()
    for form in _DATE_FORMS:
        found = form.fullmatch(text)
        if not found:
            continue
        month = found["month"]
        number = int(month) if month.isdigit() else MONTHS.get(month.lower())
        if number is None:
            continue
        parts = found.groupdict()
        has_time = parts["hour"] is not None
        try:
            published = _datetime(parts, number, tz)
        except (ValueError, OverflowError):  # February 30, 25:00, a year past 9999
            return DateLine(text, None, has_time)
        return DateLine(text, published, has_time)
    return None


def _datetime(parts: dict[str, str | None], month: int, tz: ZoneInfo) -> datetime:
    day = date(int(parts["year"] or 0), month, int(parts["day"] or 0))
    clock = time(0, 0)
    if parts["hour"] is not None:
        hour = int(parts["hour"])
        ampm = (parts.get("ampm") or "").lower()
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError("hour out of range for a.m./p.m.")
            hour = hour % 12 + (12 if ampm.startswith("p") else 0)
        clock = time(hour, int(parts["minute"] or 0), int(parts.get("second") or 0))
    zone = (parts.get("zone") or "").lower()
    if not zone:
        return datetime.combine(day, clock, tzinfo=tz)
    if zone in ("z", "utc", "gmt"):
        offset = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        hours, minutes = int(zone[1:3]), int(zone[-2:])
        offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return datetime.combine(day, clock, tzinfo=offset).astimezone(tz)


def parse_date(text: str, tz: ZoneInfo) -> tuple[datetime, bool] | None:
    """A date line as an aware datetime and whether it had a time; None if not a real date."""
    found = read_date_line(text, tz)
    if found is None or found.published is None:
        return None
    return found.published, found.has_time


def split_trailing_date(text: str, tz: ZoneInfo) -> tuple[str, DateLine | None]:
    """`Jane Doe | Sept. 3, 2024` -> ("Jane Doe", that date); text without a date as it is."""
    for separator in _BYLINE_DATE_SEPARATOR.finditer(text):
        when = read_date_line(text[separator.end() :], tz)
        if when is not None and separator.start() > 0:
            return text[: separator.start()], when
    return text, None


def read_byline(text: str) -> tuple[str | None, str | None]:
    """(source, author) from `[AFP](#)`, `Jane Doe`, `Jane Doe, Reuters`, `Jane Doe (Reuters)`
    or `Jane Doe for AP`."""
    who = _strip_markdown(text).strip().rstrip(".")
    bracketed = _BRACKETED_OUTLET.fullmatch(who)
    if bracketed:
        person, outlet = bracketed["person"].strip(" ,"), bracketed["outlet"].strip()
        return agency(outlet) or outlet, person or None
    parts = re.split(r"\s*(?:,|\||/|\s[-–—]\s|\sfor\s)\s*", who, maxsplit=1)
    if len(parts) == 2 and parts[1]:
        person, outlet = parts
        if agency(person) and not agency(outlet):
            person, outlet = outlet, person
        return agency(outlet) or outlet, person or None
    if agency(who) or _looks_like_outlet(text, who):
        return agency(who) or who, None
    return None, who or None


def looks_like_byline(who: str) -> bool:
    """Names, agencies and joining words only: `Jane Doe and John Roe for AP`, not a sentence."""
    words = re.findall(r"[^\W\d_][\w'’.-]*", _strip_markdown(who))
    return 0 < len(words) <= MAX_BYLINE_WORDS and all(
        word[0].isupper() or word.lower() in _BYLINE_LOWER_WORDS or agency(word) for word in words
    )


def agency(name: str) -> str | None:
    """The usual spelling of a news agency's name, or None for anything else."""
    return AGENCIES.get(name.strip().lower())


def _looks_like_outlet(raw_text: str, name: str) -> bool:
    # Scrapers link the agency (`[AFP](#)`), and outlets write their name in capitals.
    linked = bool(_MARKDOWN_LINK.search(raw_text))
    return linked or (name.isupper() and len(name) <= 12) or " " not in name.strip()


def _strip_markdown(text: str) -> str:
    text = _MARKDOWN_LINK.sub(r"\1", text)
    return re.sub(r"(\*\*|__|\*|_)(.+?)\1", r"\2", text).strip()


def slug_from_url(url: str | None) -> str:
    """The URL's last path segment without a page suffix or trailing id such as `-a86213`."""
    if not url:
        return ""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return ""
    last = _PAGE_SUFFIX.sub("", segments[-1])
    last = _TRAILING_ID.sub("", last)
    if last.isdigit() or last.lower() in ("index", "default", "article", "story"):
        return ""
    return slugify(last)


def match_topics(topics: Sequence[TopicSettings], title: str, body: str) -> list[str]:
    """Topics whose keywords occur as whole words (case-insensitive) in the title or body."""
    text = f"{title}\n{body}"
    found = []
    for topic in topics:
        for keyword in topic.keywords:
            pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, keyword.split())) + r"(?!\w)"
            if re.search(pattern, text, re.IGNORECASE):
                found.append(topic.name)
                break
    return found


@dataclass(frozen=True)
class Outcome:
    """What happened to one raw file."""

    source: Path
    action: str  # "import", "update", "unchanged", "kept", "skip", "duplicate"
    target: Path | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # imported parts edited by hand, left as the person wrote them
    preview: tuple[str, ...] = ()  # a dry run's would-be file: front matter, start of the body


@dataclass(frozen=True)
class FolderListing:
    """A folder named on the command line: how many raw and other files it holds."""

    folder: Path
    raw_files: int
    other_files: int


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)
    folders: list[FolderListing] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def failed(self) -> bool:
        return self.count("skip") > 0


def list_folder(folder: Path) -> tuple[list[Path], int]:
    """The raw files in a folder and its subfolders (sorted), and how many other files it has.

    A raw file is one with a RAW_SUFFIXES name that is not an editor's temporary file; it is
    listed whatever kind of file it is, so that a FIFO or device named like one is reported.
    Links to folders are not followed (they could lead in a circle).
    """
    found: list[Path] = []
    others = 0
    for parent, folders, names in os.walk(folder):
        here = Path(parent)
        folders[:] = sorted(name for name in folders if not is_temporary(name))
        for name in names:
            if is_temporary(name):
                continue
            if Path(name).suffix.lower() in RAW_SUFFIXES:
                found.append(here / name)
            else:
                others += 1
    return sorted(found), others


class Refused(Exception):
    """A raw file that is not read at all: not a regular file, or too large."""


_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def read_raw(path: Path) -> bytes:
    """A raw file's bytes; Refused for anything but a regular file of at most MAX_RAW_BYTES.

    The file is checked before it is opened (opening a FIFO waits for a writer, and some
    devices act when opened), opened without waiting, checked again (it may have been swapped
    in between), and read no further than the limit, so neither a FIFO nor /dev/zero can hang
    the import or fill the memory.
    """
    _check_regular(os.stat(path).st_mode)
    descriptor = os.open(path, os.O_RDONLY | _NO_WAIT)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        _check_regular(info.st_mode)
        if info.st_size > MAX_RAW_BYTES:
            raise Refused(_too_large(f"{info.st_size:,} bytes"))
        data = handle.read(MAX_RAW_BYTES + 1)
    if len(data) > MAX_RAW_BYTES:  # it grew while being read
        raise Refused(_too_large("and growing"))
    return data


_NO_WAIT = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)


def _check_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
    raise Refused(f"not a regular file ({kind}): only regular files are imported")


def _too_large(size: str) -> str:
    limit = MAX_RAW_BYTES // (1024 * 1024)
    return f"larger than {limit} MB ({size}): a raw article is a few kilobytes of text"


# What the importer writes and a re-import refreshes; `import_digest` fingerprints these parts.
IMPORTED_FIELDS = ("title", "date", "source", "source_url", "author")
IMPORTED_PARTS = (*IMPORTED_FIELDS, "image.caption", "image.credit", "body")
DIGEST_LENGTH = 16  # hex digits of sha256: plenty to tell an edit from the import


def imported_parts(meta: Mapping[str, Any], body: str) -> dict[str, str | None]:
    """The imported fields and body of a content file, as comparable text."""
    image = meta.get("image")
    image = image if isinstance(image, dict) else {}
    values = {name: meta.get(name) for name in IMPORTED_FIELDS}
    values["image.caption"] = image.get("caption")
    values["image.credit"] = image.get("credit")
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    values["body"] = "\n".join(line.rstrip() for line in lines).strip()  # as editors save it
    return {name: _part_text(value) for name, value in values.items()}


def _part_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()  # how the importer wrote it, as YAML reads it back
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _part_hashes(parts: Mapping[str, str | None]) -> dict[str, str]:
    return {
        name: hashlib.sha256(b"\1" if value is None else b"\0" + value.encode()).hexdigest()
        for name, value in parts.items()
    }


def _combine(hashes: Mapping[str, str]) -> str:
    joined = "".join(f"{name}={hashes[name]}\n" for name in IMPORTED_PARTS)
    return hashlib.sha256(joined.encode()).hexdigest()[:DIGEST_LENGTH]


def import_digest(parts: Mapping[str, str | None]) -> str:
    """A short sha256 of the imported parts: stored in the file as `import_digest`."""
    return _combine(_part_hashes(parts))


def edited_parts(
    digest: str, current: Mapping[str, str | None], new: Mapping[str, str | None]
) -> tuple[str, ...] | None:
    """The imported parts a person edited since the import that wrote `digest`, sorted.

    The digest is of what the importer wrote. The parts where the file differs from the new
    import were either edited by hand or changed in the raw file; the edited ones are the
    smallest set that, put back to the new import's values, gives the digest again (so a raw
    file that did not change there). None when no such set exists: the raw file changed in a
    part that was also edited, and which edits are whose cannot be told.
    """
    now, then = _part_hashes(current), _part_hashes(new)
    differing = [name for name in IMPORTED_PARTS if now[name] != then[name]]
    for size in range(len(differing) + 1):
        for edited in combinations(differing, size):
            if _combine({**now, **{name: then[name] for name in edited}}) == digest:
                return tuple(sorted(edited))
    return None


@dataclass(frozen=True)
class ExistingArticle:
    """A content file as it is now."""

    path: Path
    text: str
    meta: dict[str, Any]
    body: str

    @property
    def url_key(self) -> str | None:
        url = self.meta.get("source_url")
        return normal_url(url) if isinstance(url, str) and url.strip() else None

    def title_day(self, tz: ZoneInfo) -> tuple[str, date] | None:
        title, day = self.meta.get("title"), _day(self.meta.get("date"), tz)
        return (_title_key(title), day) if isinstance(title, str) and day else None


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _day(value: Any, tz: ZoneInfo) -> date | None:
    """The calendar day of a front matter date in the site's time zone."""
    moment = _moment(value, tz)
    try:
        return None if moment is None else moment.astimezone(tz).date()
    except (OverflowError, ValueError):  # the year 1 in a time zone west of UTC
        return None


def _moment(value: Any, tz: ZoneInfo) -> datetime | None:
    """A front matter date as an aware time (a plain date: its midnight in the site's zone)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tz)
    return None


class ContentIndex:
    """The site's content files, found by original URL, by title and day, and by path.

    It follows the import as it goes (and a dry run's would-be files), so that two raw files
    of one article in one run give one content file.
    """

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.by_path: dict[Path, ExistingArticle] = {}
        self._by_url: dict[str, list[Path]] = {}
        self._by_title_day: dict[tuple[str, date], list[Path]] = {}
        # Each article's date and sketch, made when first asked for (same_story).
        self._dates: dict[Path, datetime | None] = {}
        self._sketches: dict[Path, str] = {}

    @classmethod
    def load(cls, content_dir: Path, tz: ZoneInfo) -> ContentIndex:
        index = cls(tz)
        if content_dir.is_dir():
            for path in sorted(content_dir.rglob("*.md")):
                try:
                    text = path.read_bytes().decode("utf-8")
                except (OSError, UnicodeDecodeError):
                    continue  # the build reports such a file; the importer leaves it alone
                index.add(path, text)
        return index

    def add(self, path: Path, text: str) -> None:
        """Record path with this text (again); a file without front matter is left out."""
        self._forget(path)
        try:
            post = frontmatter.loads(text)
        except Exception:  # a broken file is the build's to report, not the importer's
            return
        if not post.metadata:
            return
        article = ExistingArticle(path, text, dict(post.metadata), post.content)
        self.by_path[path] = article
        if article.url_key:
            self._by_url.setdefault(article.url_key, []).append(path)
        if key := article.title_day(self.tz):
            self._by_title_day.setdefault(key, []).append(path)

    def _forget(self, path: Path) -> None:
        self._dates.pop(path, None)
        self._sketches.pop(path, None)
        old = self.by_path.pop(path, None)
        if old is None:
            return
        if old.url_key:
            self._by_url[old.url_key].remove(path)
        if key := old.title_day(self.tz):
            self._by_title_day[key].remove(path)

    def match(self, raw: RawArticle, target: Path) -> list[ExistingArticle]:
        """The article a raw file became: one, none, or several when that cannot be told.

        By the original URL first; then by title and day (for a raw file with a URL, only
        among articles without one); then, for a raw file without a URL, the file it would be
        written to, when the importer wrote it (a person may have edited its title since).
        """
        if raw.source_url:
            found = self._by_url.get(normal_url(raw.source_url))
            if found:
                return [self.by_path[found[0]]]
        assert raw.published is not None
        key = (_title_key(raw.title), raw.published.date())  # in the site's time zone
        same = [self.by_path[path] for path in self._by_title_day.get(key, [])]
        if raw.source_url:  # an article with another original URL is another article
            same = [article for article in same if not article.url_key]
        elif len(same) > 1:  # the one imported without a URL too, if it is the only one
            same = [article for article in same if not article.url_key] or same
        if same:
            return same
        at_target = self.by_path.get(target)
        if (
            at_target is not None
            and not raw.source_url
            and not at_target.url_key
            and "import_digest" in at_target.meta
            and _day(at_target.meta.get("date"), self.tz) == key[1]
        ):
            return [at_target]
        return []

    @property
    def paths(self) -> set[Path]:
        return set(self.by_path)

    def same_story(self, raw: RawArticle) -> list[tuple[float, ExistingArticle]]:
        """The articles a raw file most likely repeats, most similar first: published within
        the stories' window of it and telling the same event (stories.py), by their sketches.
        """
        assert raw.published is not None
        mine = sketch(raw.title, raw.body)
        found = []
        for path, article in sorted(self.by_path.items()):
            if path not in self._dates:
                self._dates[path] = _moment(article.meta.get("date"), self.tz)
            published = self._dates[path]
            title = article.meta.get("title")
            if published is None or abs(published - raw.published) > WINDOW:
                continue
            if not isinstance(title, str):
                continue
            if path not in self._sketches:
                self._sketches[path] = sketch(title, article.body)
            theirs = self._sketches[path]
            if same_event(mine, theirs):
                found.append((similarity(mine, theirs), str(path), article))
        found.sort(key=lambda item: (-item[0], item[1]))
        return [(score, article) for score, _, article in found]


def normal_url(url: str) -> str:
    """Compare URLs without the scheme's case, a `www.`, a trailing slash or a fragment."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
    except ValueError:  # `http://[::1` and other URLs urllib cannot take apart
        return url.strip()
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def import_paths(
    config: Config,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    force: bool = False,
    skip_duplicates: bool = False,
) -> ImportReport:
    """Import every raw file named; write content files unless dry_run.

    force: overwrite the imported fields and body of a file even when a person edited them.
    skip_duplicates: do not import a near-identical copy of an article already there.
    """
    report = ImportReport()
    sources: list[Path] = []
    for path in paths:
        if path.is_dir():
            found, others = list_folder(path)
            report.folders.append(FolderListing(path, len(found), others))
            sources.extend(found)
        else:
            sources.append(path)
    index = ContentIndex.load(config.content_dir, config.tz)
    claimed: set[Path] = index.paths
    for source in sources:
        outcome = import_one(
            config,
            source,
            index,
            claimed,
            dry_run=dry_run,
            force=force,
            skip_duplicates=skip_duplicates,
        )
        report.outcomes.append(outcome)
    return report


def import_one(
    config: Config,
    source: Path,
    index: ContentIndex,
    claimed: set[Path],
    *,
    dry_run: bool,
    force: bool = False,
    skip_duplicates: bool = False,
) -> Outcome:
    try:
        text = read_raw(source).decode("utf-8")
    except Refused as refused:
        return Outcome(source, "skip", reason=str(refused))
    except FileNotFoundError:
        return Outcome(source, "skip", reason="no such file")
    except UnicodeDecodeError as error:
        return Outcome(source, "skip", reason=f"not UTF-8 text (byte {error.start})")
    except OSError as error:
        return Outcome(source, "skip", reason=error.strerror or str(error))
    if "\0" in text:
        return Outcome(source, "skip", reason="a binary file, not text")
    try:
        raw = parse_raw(text, config.tz)
    except NotAnArticle as error:
        return Outcome(source, "skip", reason=str(error))
    notes = tuple(raw.notes)
    if raw.published is None:
        return Outcome(
            source, "skip", reason="no date: add a date line such as 'August 31, 2024'",
            notes=notes,
        )  # fmt: skip
    if not raw.slug:
        return Outcome(
            source, "skip", reason=f"no file name can be made from the title {raw.title!r}",
            notes=notes,
        )  # fmt: skip
    folder = config.content_dir / f"{raw.published.year:04d}" / f"{raw.published.month:02d}"
    matches = index.match(raw, folder / f"{raw.slug}.md")
    if len(matches) > 1:
        names = ", ".join(_shown(article.path, config) for article in matches)
        return Outcome(
            source, "skip", notes=notes,
            reason=f"same title and date as {names}: add its 'Original url:' to tell which",
        )  # fmt: skip
    if matches:
        return reimport(config, source, raw, matches[0], index, dry_run=dry_run, force=force)
    repeated = index.same_story(raw)
    if skip_duplicates and repeated and repeated[0][0] >= NEAR_IDENTICAL:
        copy = _shown(repeated[0][1].path, config)
        return Outcome(
            source, "duplicate", repeated[0][1].path, notes=notes,
            reason=f"a near-identical copy of {copy}, not imported (--skip-duplicates)",
        )  # fmt: skip
    notes += tuple(
        f"same story as {_shown(article.path, config)}" for _, article in repeated[:MAX_NAMED]
    )
    target = free_path(folder, raw.slug, claimed)
    claimed.add(target)
    keep = {"slug": target.stem} if target.stem != raw.slug else {}  # a second file, a second URL
    new_text = content_file(raw, config, keep=keep)
    if not dry_run:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("x", encoding="utf-8") as handle:
                handle.write(new_text)
        except OSError as error:
            return Outcome(source, "skip", reason=_cannot_write(target, config, error), notes=notes)
    index.add(target, new_text)
    return Outcome(source, "import", target, notes=notes, preview=_preview(new_text, dry_run))


def reimport(
    config: Config,
    source: Path,
    raw: RawArticle,
    old: ExistingArticle,
    index: ContentIndex,
    *,
    dry_run: bool,
    force: bool,
) -> Outcome:
    """Refresh the article a raw file became, keeping what a person set or edited by hand."""
    notes = tuple(raw.notes)
    current = imported_parts(old.meta, old.body)
    new = written_parts(raw)
    digest = old.meta.get("import_digest")
    edited: tuple[str, ...] | None = ()
    if not force and current != new:
        edited = edited_parts(digest, current, new) if isinstance(digest, str) else None
    if edited is None:
        differing = ", ".join(sorted(name for name in IMPORTED_PARTS if current[name] != new[name]))
        why = (
            "it has no import_digest, so edits by hand cannot be told from an older import"
            if not isinstance(digest, str)
            else "it was edited by hand and the raw file changed in the same places"
        )
        return Outcome(
            source, "kept", old.path, notes=notes,
            reason=f"kept the file as it is ({differing} would change): {why}; "
            "--force to overwrite",
        )  # fmt: skip
    new_text = content_file(raw, config, keep=old.meta, kept=edited, kept_body=old.body)
    reason = f"kept your edits to {', '.join(edited)}; --force to overwrite" if edited else None
    if new_text == old.text or _same_content(new_text, old):
        return Outcome(
            source, "kept" if edited else "unchanged", old.path, reason, notes, kept=edited
        )
    if not dry_run:
        try:
            old.path.write_text(new_text, encoding="utf-8")
        except OSError as error:
            return Outcome(
                source, "skip", reason=_cannot_write(old.path, config, error), notes=notes
            )
    index.add(old.path, new_text)
    return Outcome(
        source, "update", old.path, reason, notes, kept=edited, preview=_preview(new_text, dry_run)
    )


PREVIEW_BODY_LINES = 5
PREVIEW_WIDTH = 120  # characters of a body line; paragraphs are one long line each


def _preview(text: str, dry_run: bool) -> tuple[str, ...]:
    """For a dry run: the front matter and the first lines of the body the file would have."""
    if not dry_run:
        return ()
    end = text.index("\n---\n", 3) + len("\n---\n")
    body = text[end:].lstrip("\n").splitlines()
    shown = [
        line if len(line) <= PREVIEW_WIDTH else line[: PREVIEW_WIDTH - 3] + "..."
        for line in body[:PREVIEW_BODY_LINES]
    ]
    more = len(body) - len(shown)
    return (*text[:end].splitlines(), *shown, *([f"... ({more} more lines)"] if more else []))


def _same_content(text: str, old: ExistingArticle) -> bool:
    """Whether text holds the same fields and body as old, however differently written."""
    post = frontmatter.loads(text)
    return post.metadata == old.meta and post.content == old.body


def _cannot_write(path: Path, config: Config, error: OSError) -> str:
    return f"cannot write {_shown(path, config)}: {error.strerror or error}"


def _shown(path: Path, config: Config) -> str:
    """A content file as messages name it: relative to the site folder."""
    inside = path.is_relative_to(config.site_dir)
    return (path.relative_to(config.site_dir) if inside else path).as_posix()


def free_path(folder: Path, slug: str, claimed: set[Path]) -> Path:
    """folder/slug.md, or slug-2.md and so on when another article has that name."""
    path = folder / f"{slug}.md"
    number = 2
    while path.exists() or path in claimed:
        path = folder / f"{slug}-{number}.md"
        number += 1
    return path


def imported_fields(raw: RawArticle) -> dict[str, Any]:
    """The fields an import writes from the raw file, before topics and hand-set fields."""
    assert raw.published is not None
    published = raw.published.isoformat() if raw.has_time else raw.published.date().isoformat()
    fields: dict[str, Any] = {"title": raw.title, "date": published}
    for name, value in (
        ("source", raw.source),
        ("source_url", raw.source_url),
        ("author", raw.author),
    ):
        if value:
            fields[name] = value
    if raw.caption or raw.credit:
        fields["image"] = {k: v for k, v in (("caption", raw.caption), ("credit", raw.credit)) if v}
    return fields


def written_parts(raw: RawArticle) -> dict[str, str | None]:
    """The imported parts as a content file holds them once written and read back."""
    post = frontmatter.loads(front_matter(imported_fields(raw)) + "\n" + raw.body)
    return imported_parts(post.metadata, post.content)


def content_file(
    raw: RawArticle,
    config: Config,
    keep: Mapping[str, Any],
    kept: Sequence[str] = (),
    kept_body: str = "",
) -> str:
    """The content file's text: imported fields refreshed, hand-set fields from `keep` kept.

    `kept` names imported parts a person edited: those stay as `keep` (and `kept_body`) have
    them. The digest is of the import itself, so that the edits are still known as edits at the
    next re-import.
    """
    fields = imported_fields(raw)
    if raw.slug and raw.slug != slugify(raw.title):
        fields["slug"] = raw.slug
    fields["topics"] = match_topics(config.topics, raw.title, raw.body)
    old_image = keep.get("image")
    if isinstance(old_image, dict):  # a photo's src and alt added by hand stay
        rest = {k: v for k, v in old_image.items() if k not in ("caption", "credit")}
        if rest or "image" in fields:
            fields["image"] = {**rest, **fields.get("image", {})}
    elif old_image is not None and "image" not in fields:
        fields["image"] = old_image
    fields["sanitize"] = True
    for name, value in keep.items():
        if name in HAND_SET or (name not in fields and name not in NEVER_KEPT):
            fields[name] = _yaml_ready(name, value)
    for part in kept:
        _put_back(fields, part, keep)
    body = kept_body.strip() + "\n" if "body" in kept else raw.body
    fields["import_digest"] = import_digest(written_parts(raw))
    return front_matter(_in_order(fields)) + "\n" + body


# Never carried over from the old file: imported (refreshed from the raw file) or recomputed.
NEVER_KEPT = (*IMPORTED_FIELDS, "image", "import_digest")
FIELD_ORDER = ("title", "date", "updated", "slug", "topics", "summary", "source", "source_url",
               "author", "image", "draft", "lang", "sanitize")  # fmt: skip


def _put_back(fields: dict[str, Any], part: str, keep: Mapping[str, Any]) -> None:
    """Set one imported part as the person left it in the file."""
    if part == "body":
        return
    if part.startswith("image."):
        name = part.removeprefix("image.")
        old_image = keep.get("image")
        value = old_image.get(name) if isinstance(old_image, dict) else None
        image = fields.get("image")
        image = dict(image) if isinstance(image, dict) else {}
        if value is None:
            image.pop(name, None)
        else:
            image[name] = value
        if image:
            fields["image"] = image
        else:
            fields.pop("image", None)
    elif part in keep:
        fields[part] = _yaml_ready(part, keep[part])
    else:
        fields.pop(part, None)


def _in_order(fields: dict[str, Any]) -> dict[str, Any]:
    """The usual field order, then any other field, then the digest."""
    known = [name for name in FIELD_ORDER if name in fields]
    others = [name for name in fields if name not in FIELD_ORDER and name != "import_digest"]
    ordered = {name: fields[name] for name in (*known, *others)}
    if "import_digest" in fields:
        ordered["import_digest"] = fields["import_digest"]
    return ordered


def _yaml_ready(name: Any, value: Any) -> Any:
    """A value read back from YAML, ready for front_matter to write again.

    Dates become ISO text again. front_matter writes `date` and `updated` as they are, so that
    ISO dates stay unquoted; anything else a person put there is written as a JSON string, which
    YAML reads back as the same text.
    """
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if name in ("date", "updated") and not _reads_back(name, value):
        return json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)
    return value


def _reads_back(name: str, value: Any) -> bool:
    """Whether `name: value`, written as it is, is YAML that gives the same text again."""
    try:
        return (
            isinstance(value, str)
            and frontmatter.loads(f"---\n{name}: {value}\n---\n").metadata.get(name) == value
        )
    except Exception:  # any YAML error: not as it is, then
        return False
