"""The data every stage passes on: Article, Image, Asset, Selection (plain, frozen, no readers)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from newsdigest.errors import Problem

# What a content file is: an article (dated, in the lists and feeds) or a page (content/pages/:
# at /{slug}/, in no list).
ARTICLE = "article"
PAGE = "page"
# The date of a page written without one. Pages are in no list ordered by date, and the page
# kinds that show a date leave it out for them (see Article.dated).
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)

# Custom fields (`extra:`) are bounded like every other field: so deep, so many characters.
MAX_EXTRA_DEPTH = 10
MAX_EXTRA_TEXT = 10_000


class Extra(Mapping[str, Any]):
    """Custom fields (`extra:` in front matter or settings) as templates get them.

    A read-only mapping of text keys to text, numbers, true/false, lists (tuples) and mappings
    (Extra) of those, in the order written. Equal, hashable and with a stable repr, so that an
    article's digest (changes.py) covers it like any other field. Templates read a key as
    `article.extra.desk` or `article.extra["desk"]`.
    """

    __slots__ = ("_index", "_pairs")

    def __init__(self, pairs: Iterable[tuple[str, Any]] = ()) -> None:
        self._pairs = tuple(pairs)
        self._index = dict(self._pairs)

    @classmethod
    def of(cls, value: Any, depth: int = 0) -> Extra:
        """Custom fields from a parsed mapping; ValueError saying what is wrong and where."""
        if not isinstance(value, dict):
            raise ValueError("must be a mapping of name: value")
        pairs = []
        for key, item in value.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"has the name {key!r}: names must be text")
            try:
                pairs.append((key, _frozen(item, depth + 1)))
            except ValueError as error:
                raise ValueError(f"{key}: {error}") from None
        return cls(pairs)

    def __getitem__(self, key: str) -> Any:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Extra) and self._pairs == other._pairs

    def __hash__(self) -> int:
        return hash(self._pairs)

    def __repr__(self) -> str:
        return f"Extra({self._pairs!r})"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (objects keep their order), for the build state."""
        return {key: _thawed(item) for key, item in self._pairs}

    @classmethod
    def from_json(cls, value: Any) -> Extra:
        """What to_json gave; ValueError for anything else (the state is only a hint)."""
        found = cls.of(value)
        if found.to_json() != value:  # e.g. a date written as text by of(): not from to_json
            raise ValueError("not custom fields")
        return found


def _frozen(value: Any, depth: int) -> Any:
    if depth > MAX_EXTRA_DEPTH:
        raise ValueError(f"nested more than {MAX_EXTRA_DEPTH} levels deep")
    if isinstance(value, bool | int | str):
        if isinstance(value, str) and len(value) > MAX_EXTRA_TEXT:
            raise ValueError(f"text longer than {MAX_EXTRA_TEXT:,} characters")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("numbers must be finite")
        return value
    if isinstance(value, date):  # YAML and TOML read 2024-08-31 as a date: keep it as written
        return value.isoformat()
    if isinstance(value, list | tuple):
        return tuple(_frozen(item, depth + 1) for item in value)
    if isinstance(value, dict | Extra):
        return Extra.of(dict(value), depth)
    raise ValueError(
        f"{type(value).__name__ if value is not None else 'an empty value'} is not allowed: "
        "use text, numbers, true/false, lists and mappings"
    )


def _thawed(value: Any) -> Any:
    if isinstance(value, Extra):
        return value.to_json()
    if isinstance(value, tuple):
        return [_thawed(item) for item in value]
    return value


NO_EXTRA = Extra()


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
    sources: tuple[str, ...]  # agencies and outlets, each with its page at sources/<slug>/
    source_url: str | None
    authors: tuple[str, ...]  # each with its page at authors/<slug>/
    image: Image | None  # None also for a caption and credit without a photo: see pending_image
    draft: bool
    lang: str
    sanitize: bool  # strip unsafe HTML from this body (the site setting, or the article's own)
    body_hash: str
    asset_dir: str  # site-relative URL of the folder that holds the article's files
    kind: str = ARTICLE  # ARTICLE or PAGE
    aliases: tuple[str, ...] = ()  # old site-relative URLs that redirect here
    template: str = ""  # the template the file asked for; "" for its kind's own
    extra: Extra = NO_EXTRA  # custom fields for templates
    # An imported caption and credit whose photo has no src yet: credited, not shown.
    pending_image: Image | None = None
    links: tuple[str, ...] = ()  # content files its text links to (`[see](../other.md)`)
    # Its story: `story:` as written ("none" keeps it out of stories; None: found by its text),
    # and the sketch of its headline and lead that finds it (stories.py). Both are copied to
    # its Entry, as stories decide what day pages and the home page list.
    story: str | None = None
    sketch: str = ""
    # Site-relative URLs of the raster images beside the article that its body shows
    # (pictures.py): their sizes are an input of the article's page.
    pictures: tuple[str, ...] = ()

    @property
    def sort_key(self) -> tuple[datetime, str]:
        # Wire stories often share a minute; the path breaks ties the same way on every machine.
        return (self.published, self.path)

    @property
    def author(self) -> str | None:
        """The authors as one line of text ("Jane Doe and John Roe"), or None."""
        return _joined(self.authors)

    @property
    def source(self) -> str | None:
        """The sources as one line of text ("AFP and Reuters"), or None."""
        return _joined(self.sources)

    @property
    def dated(self) -> bool:
        """False for a page written without a date."""
        return self.published != UNDATED


def _joined(names: tuple[str, ...]) -> str | None:
    if not names:
        return None
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True, slots=True)
class Picture:
    """What reading a raster image's header told (imaging.probe): its size as shown (EXIF
    orientation applied), its format and a digest of its bytes."""

    width: int
    height: int
    format: str  # Pillow's name: JPEG, PNG or WEBP
    digest: str  # of the file's bytes: names its copies in the cache
    turned: bool  # EXIF orientation asks for a rotation: its full-size copy is re-encoded
    resizable: bool  # False for animations and images too large to decode: no smaller copies


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
    kind: str = ARTICLE
    authors: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # old URLs: each is a redirect page
    template: str = ""  # decides which template renders its page
    links: tuple[str, ...] = ()  # content files its text links to: their URLs are in its page
    # Story membership is structural: a day page lists a story once, and an article page names
    # the story's other reports. So what decides it is here, in the plan's input: `story:`
    # from front matter and the sketch of the headline and lead. Grouping reads these alone,
    # never the body; an edit of a body's lead changes the sketch, and with it the plan.
    story: str | None = None
    sketch: str = ""
    # The images it shows that the site publishes in several sizes (pictures.py): the lead
    # image's URL ("" for none, or one elsewhere) and those of its body. Their sizes are an
    # input of every page that shows them, and the planner makes their smaller copies.
    image: str = ""
    pictures: tuple[str, ...] = ()

    @property
    def modified(self) -> datetime:
        return self.updated or self.published

    @property
    def lastmod(self) -> datetime | None:
        """The sitemap's date: None for a page written with no date at all."""
        modified = self.modified
        return None if modified == UNDATED else modified


def entry_of(article: Article) -> Entry:
    return Entry(
        article.path,
        article.url,
        article.published,
        article.updated,
        article.topics,
        article.draft,
        article.kind,
        article.authors,
        article.sources,
        article.aliases,
        article.template,
        article.links,
        article.story,
        article.sketch,
        lead_picture(article),
        article.pictures,
    )


def lead_picture(article: Article) -> str:
    """The lead image's site-relative URL when it is a file of the site, else ""."""
    image = article.image
    if image is None or not image.url or ":" in image.url or image.url.startswith("/"):
        return ""
    return image.url


class Source:
    """A content file as it was last read: its signature, and the article or the problems.

    An article kept in the cache is decoded the first time it is asked for: a build of a large
    site with few changes needs every article's entry, digests and signature, but the whole
    article only for the pages it renders.
    """

    __slots__ = ("_article", "_load", "digests", "entry", "picture", "problems", "signature")

    def __init__(
        self,
        signature: tuple[int, int, int] | None,
        article: Article | None = None,
        problems: tuple[Problem, ...] = (),
        digests: tuple[str, str] = ("", ""),
        entry: Entry | None = None,
        load: Callable[[], Article] | None = None,
        picture: Picture | None = None,
    ) -> None:
        self.signature = signature  # size, mtime_ns, inode; None: read the file again
        self.problems = problems
        self.digests = digests  # the article's listed and full digests (changes.py)
        self.entry = entry if entry is not None or article is None else entry_of(article)
        self._article = article
        self._load = load
        self.picture = picture  # a raster image's header, read with the file

    @property
    def article(self) -> Article | None:
        if self._article is None and self._load is not None:
            self._article, self._load = self._load(), None
        return self._article

    def with_digests(self, digests: tuple[str, str]) -> Source:
        found = Source(
            self.signature, self._article, self.problems, digests, self.entry, None, self.picture
        )
        found._load = self._load
        return found
