"""`import`: raw scraped wire articles (SPEC section 8) into content files with front matter.

A raw article is a header (a `# Title` line, a byline, a date line and an optional photo caption
whose credit is bold at its end, in any order, with or without blank lines between them),
paragraphs (a scraper may have split one mid-sentence), and `Original url:` with the URL.
Parsing is line-based and forgiving: what is not recognised is reported per file, and only a
file without a title, a body or a date is skipped.

Imported articles get `sanitize: true`: scraped text may carry HTML that nobody reviewed.
Re-importing the same `source_url` rewrites that file's imported fields and body but keeps
every other field a person set by hand (topics, summary, slug, draft, the image's src and alt).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import frontmatter

from newsdigest.config import Config, TopicSettings
from newsdigest.content import is_temporary
from newsdigest.scaffold import front_matter
from newsdigest.urls import slugify

# Fields a person sets by hand after an import: a re-import keeps them as they are.
HAND_SET = ("topics", "summary", "slug", "draft", "lang", "updated", "sanitize")
RAW_SUFFIXES = (".txt", ".md", ".markdown", ".text")
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
    paragraphs, joined = rejoin_split_paragraphs(split_blocks(lines[start:]))
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
    if raw.source is None and raw.source_url:
        raw.source = urlsplit(raw.source_url).hostname.removeprefix("www.")  # type: ignore[union-attr]
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
        return lines[:index] + lines[url_line + 1 :], found["url"].rstrip(".,>"), None
    return lines, None, None


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


@dataclass
class Outcome:
    """What happened to one raw file."""

    source: Path
    action: str  # "import", "update", "unchanged", "skip"
    target: Path | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def failed(self) -> bool:
        return self.count("skip") > 0


def raw_files(paths: Iterable[Path]) -> Iterator[Path]:
    """The files named, and the raw files inside the folders named, in a stable order."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if (
                    found.is_file()
                    and found.suffix.lower() in RAW_SUFFIXES
                    and not any(is_temporary(part) for part in found.relative_to(path).parts)
                ):
                    yield found
        else:
            yield path


def existing_by_source_url(content_dir: Path) -> dict[str, Path]:
    """Content files by their `source_url`, so that a re-import finds its earlier file."""
    found: dict[str, Path] = {}
    if not content_dir.is_dir():
        return found
    for path in sorted(content_dir.rglob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "source_url" not in text:
            continue
        try:
            meta = frontmatter.loads(text).metadata
        except Exception:  # a broken file is the build's to report, not the importer's
            continue
        url = meta.get("source_url")
        if isinstance(url, str) and url.strip():
            found.setdefault(normal_url(url), path)
    return found


def normal_url(url: str) -> str:
    """Compare URLs without the scheme's case, a `www.`, a trailing slash or a fragment."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}?{parts.query}"


def import_paths(config: Config, paths: Sequence[Path], *, dry_run: bool = False) -> ImportReport:
    """Import every raw file named; write content files unless dry_run."""
    report = ImportReport()
    known = existing_by_source_url(config.content_dir)
    claimed: set[Path] = set(known.values())
    for source in raw_files(paths):
        outcome = import_one(config, source, known, claimed, dry_run=dry_run)
        report.outcomes.append(outcome)
    return report


def import_one(
    config: Config, source: Path, known: dict[str, Path], claimed: set[Path], *, dry_run: bool
) -> Outcome:
    try:
        text = source.read_bytes().decode("utf-8")
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
    if raw.published is None:
        return Outcome(
            source, "skip", reason="no date: add a date line such as 'August 31, 2024'",
            notes=raw.notes,
        )  # fmt: skip
    existing = known.get(normal_url(raw.source_url)) if raw.source_url else None
    if existing is not None:
        old = frontmatter.loads(existing.read_text(encoding="utf-8"))
        new_text = content_file(raw, config, keep=dict(old.metadata))
        if existing.read_text(encoding="utf-8") == new_text:
            return Outcome(source, "unchanged", existing, notes=raw.notes)
        if not dry_run:
            existing.write_text(new_text, encoding="utf-8")
        return Outcome(source, "update", existing, notes=raw.notes)
    target = free_path(config.content_dir / f"{raw.published:%Y}" / f"{raw.published:%m}",
                       raw.slug, claimed)  # fmt: skip
    claimed.add(target)
    if raw.source_url:
        known[normal_url(raw.source_url)] = target
    keep = {"slug": target.stem} if target.stem != raw.slug else {}  # a second file, a second URL
    if not dry_run:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:
            handle.write(content_file(raw, config, keep=keep))
    return Outcome(source, "import", target, notes=raw.notes)


def free_path(folder: Path, slug: str, claimed: set[Path]) -> Path:
    """folder/slug.md, or slug-2.md and so on when another article has that name."""
    path = folder / f"{slug}.md"
    number = 2
    while path.exists() or path in claimed:
        path = folder / f"{slug}-{number}.md"
        number += 1
    return path


def content_file(raw: RawArticle, config: Config, keep: dict[str, Any]) -> str:
    """The content file's text: imported fields refreshed, hand-set fields from `keep` kept."""
    assert raw.published is not None
    published = raw.published.isoformat() if raw.has_time else f"{raw.published:%Y-%m-%d}"
    fields: dict[str, Any] = {"title": raw.title, "date": published}
    if raw.slug and raw.slug != slugify(raw.title):
        fields["slug"] = raw.slug
    fields["topics"] = match_topics(config.topics, raw.title, raw.body)
    for name, value in (
        ("source", raw.source),
        ("source_url", raw.source_url),
        ("author", raw.author),
    ):
        if value:
            fields[name] = value
    if raw.caption or raw.credit:
        image = {k: v for k, v in (("caption", raw.caption), ("credit", raw.credit)) if v}
        old_image = keep.get("image")
        if isinstance(old_image, dict):
            image = {**old_image, **image}  # a photo's src and alt added by hand stay
        fields["image"] = image
    fields["sanitize"] = True
    for name, value in keep.items():
        if name in HAND_SET or (name not in fields and name != "image"):
            fields[name] = _yaml_ready(value)
    return front_matter(fields) + "\n" + raw.body


def _yaml_ready(value: Any) -> Any:
    """Dates read back from YAML are written as ISO text again."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
