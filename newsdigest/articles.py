"""The data every stage passes on: Article, Image, Asset, Selection (plain, frozen, no readers)."""

from __future__ import annotations

from collections.abc import Callable
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
    # Its story: `story:` as written ("none" keeps it out of stories; None: found by its text),
    # and the sketch of its headline and lead that finds it (stories.py). Both are copied to
    # its Entry, as stories decide what day pages and the home page list.
    story: str | None = None
    sketch: str = ""

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

    def includes(self, entry: Entry | Article, now: datetime) -> bool:
        """The one place that decides whether drafts and future articles are built."""
        if entry.draft and not self.drafts:
            return False
        return self.future or entry.published <= now


@dataclass(frozen=True, slots=True)
class Entry:
    """What the site's structure needs of an article: the fields that decide which pages exist
    and what they list (never its title or text), and whether a build includes it."""

    path: str
    url: str
    published: datetime
    updated: datetime | None
    topics: tuple[str, ...]
    draft: bool
    # Story membership is structural: a day page lists a story once, and an article page names
    # the story's other reports. So what decides it is here, in the plan's input: `story:`
    # from front matter and the sketch of the headline and lead. Grouping reads these alone,
    # never the body; an edit of a body's lead changes the sketch, and with it the plan.
    story: str | None = None
    sketch: str = ""

    @property
    def modified(self) -> datetime:
        return self.updated or self.published


def entry_of(article: Article) -> Entry:
    return Entry(
        article.path,
        article.url,
        article.published,
        article.updated,
        article.topics,
        article.draft,
        article.story,
        article.sketch,
    )


class Source:
    """A content file as it was last read: its signature, and the article or the problems.

    An article kept in the cache is decoded the first time it is asked for: a build of a large
    site with few changes needs every article's entry, digests and signature, but the whole
    article only for the pages it renders.
    """

    __slots__ = ("_article", "_load", "digests", "entry", "problems", "signature")

    def __init__(
        self,
        signature: tuple[int, int, int] | None,
        article: Article | None = None,
        problems: tuple[Problem, ...] = (),
        digests: tuple[str, str] = ("", ""),
        entry: Entry | None = None,
        load: Callable[[], Article] | None = None,
    ) -> None:
        self.signature = signature  # size, mtime_ns, inode; None: read the file again
        self.problems = problems
        self.digests = digests  # the article's listed and full digests (changes.py)
        self.entry = entry if entry is not None or article is None else entry_of(article)
        self._article = article
        self._load = load

    @property
    def article(self) -> Article | None:
        if self._article is None and self._load is not None:
            self._article, self._load = self._load(), None
        return self._article

    def with_digests(self, digests: tuple[str, str]) -> Source:
        found = Source(self.signature, self._article, self.problems, digests, self.entry)
        found._load = self._load
        return found
