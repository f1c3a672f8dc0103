"""The data every stage passes on: Article, Image, Asset, Selection (plain, frozen, no readers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsdigest.errors import Problem


@dataclass(frozen=True, slots=True)
class Image:
    """The article's lead photo; `url` is site-relative, ready for base_url."""

    url: str
    alt: str
    caption: str
    credit: str


@dataclass(frozen=True, slots=True)
class Article:
    """One article's metadata. The body stays on disk; `body_hash` names the version read."""

    path: str  # relative to the site folder, posix: how problems and readers name the file
    title: str
    published: datetime  # aware, in the site time zone
    has_time: bool  # False for a plain date: pages show the day without a clock time
    updated: datetime | None
    slug: str
    url: str  # site-relative, e.g. "2024/08/31/kursk/"
    topics: tuple[str, ...]
    summary: str  # the front matter's summary, else the start of the first paragraph
    dek: str | None  # the summary only when the author wrote one, shown under the headline
    source: str | None
    source_url: str | None
    author: str | None
    image: Image | None
    draft: bool
    lang: str
    sanitize: bool  # strip unsafe HTML from this body (the site setting, or the article's own)
    body_hash: str
    asset_dir: str  # site-relative URL of the folder that holds the article's files

    @property
    def sort_key(self) -> tuple[datetime, str]:
        # Wire stories often share a minute; the path breaks ties the same way on every machine.
        return (self.published, self.path)


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied as it is: a static file or a file beside an article."""

    source: Path
    url: str


@dataclass(frozen=True, slots=True)
class Selection:
    """Which articles a build includes besides the published ones."""

    drafts: bool = False
    future: bool = False
    now: datetime | None = None

    def includes(self, article: Article, now: datetime) -> bool:
        """The one place that decides whether drafts and future articles are built."""
        if article.draft and not self.drafts:
            return False
        return self.future or article.published <= now


@dataclass(frozen=True, slots=True)
class Source:
    """A content file as it was last read: its signature, and the article or the problems."""

    signature: tuple[int, int, int] | None  # size, mtime_ns, inode; None: read it again
    article: Article | None
    problems: tuple[Problem, ...] = ()
    digests: tuple[str, str] = ("", "")  # the article's listed and full digests (changes.py)
