"""What each kind of page shows: one typed context per page kind (pure data).

A context names articles by their path and says how it shows them: `listed()` are articles shown
as a teaser or a link (any field but the body), `in_full()` those shown with their body (the
article's own page, full-text feeds). Those two are the page's declared inputs, from which
changes.py decides whether the page must be rendered again. Everything else a page shows is in
the context itself (dates, counts, topic names, links), so two equal contexts with the same
versions of the same articles give the same page.

`values(articles)` turns a context into the values its template gets, with the current version
of each article; a template therefore never reads an article its context did not declare.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from newsdigest.articles import Article
from newsdigest.edition import Edition
from newsdigest.sitemap import SitemapEntry
from newsdigest.stories import StoryGroup, StoryTeaser

Articles = Mapping[str, Article]
NOTHING: tuple[str, ...] = ()


# -- what templates get besides articles -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicLink:
    """A topic as lists of topics show it: its name, description and article count."""

    name: str
    slug: str
    description: str
    count: int | None  # None on the sealed pages of its list

    @property
    def url(self) -> str:
        return f"topics/{self.slug}/"


@dataclass(frozen=True, slots=True)
class AuthorLink:
    """An author as the author pages and the list of authors show them."""

    name: str
    slug: str
    bio: str
    website: str  # the author's own page elsewhere (`url` in the settings)
    photo: str  # an absolute URL, or a site-relative path
    count: int | None  # None on the sealed pages of its list

    @property
    def url(self) -> str:
        return f"authors/{self.slug}/"


@dataclass(frozen=True, slots=True)
class SourceLink:
    """A source (an agency or outlet) as the source pages and the list of sources show it."""

    name: str
    slug: str
    description: str
    website: str  # the source's home page (`url` in the settings)
    count: int | None  # None on the sealed pages of its list

    @property
    def url(self) -> str:
        return f"sources/{self.slug}/"


@dataclass(frozen=True, slots=True)
class MonthLink:
    year: int
    month: int
    count: int | None  # None on the sealed pages of its list
    day_count: int | None

    @property
    def url(self) -> str:
        return f"{self.year:04d}/{self.month:02d}/"

    @property
    def year_url(self) -> str:
        return f"{self.year:04d}/"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


@dataclass(frozen=True, slots=True)
class YearLink:
    year: int
    count: int
    months: tuple[MonthLink, ...]  # newest first

    @property
    def url(self) -> str:
        return f"{self.year:04d}/"


@dataclass(frozen=True, slots=True)
class DayLink:
    day: date
    count: int | None  # None on sealed pages, and for the days before and after

    @property
    def url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/{self.day.day:02d}/"

    @property
    def month_url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/"


@dataclass(frozen=True, slots=True)
class DayDigest:
    """A day with its articles, newest first: the home page's and month pages' sections."""

    day: date
    articles: tuple[Article, ...]
    groups: tuple[StoryTeaser, ...] | None = None  # its stories, where a list groups them

    @property
    def url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/{self.day.day:02d}/"

    @property
    def count(self) -> int:
        return len(self.articles)

    @property
    def stories(self) -> tuple[StoryTeaser, ...]:
        """What the day lists: each story once, or each article where stories are not shown."""
        if self.groups is not None:
            return self.groups
        return tuple(StoryTeaser("", (article,)) for article in self.articles)


@dataclass(frozen=True, slots=True)
class Links:
    """Where one page of a paginated list sits: see pages.paginate for the scheme."""

    number: int  # 0 for the list's own URL (its newest articles); 1 is the oldest page
    newer_url: str | None
    older_url: str | None


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a list, as its template gets it."""

    items: tuple[Article, ...]
    number: int
    newer_url: str | None
    older_url: str | None

    @property
    def days(self) -> list[DayDigest]:
        """This page's articles grouped by day, newest first, for digest-style lists."""
        return [
            DayDigest(day, tuple(group))
            for day, group in groupby(self.items, key=lambda a: a.published.date())
        ]

    @property
    def paginated(self) -> bool:
        return self.newer_url is not None or self.older_url is not None


def _pager(items: tuple[str, ...], links: Links, articles: Articles) -> Pager:
    return Pager(
        tuple(articles[path] for path in items), links.number, links.newer_url, links.older_url
    )


@dataclass(frozen=True, slots=True)
class Neighbours:
    previous: Article | None  # older
    next: Article | None  # newer
    related: tuple[Article, ...]


# -- one context per page kind ----------------------------------------------------------------


class Context:
    """What every context offers; a context without articles keeps these."""

    __slots__ = ()

    def listed(self) -> tuple[str, ...]:
        return NOTHING

    def in_full(self) -> tuple[str, ...]:
        return NOTHING

    def values(self, articles: Articles) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True)
class Plain(Context):
    """The search page, the 404 page and robots.txt: nothing but the settings."""


@dataclass(frozen=True, slots=True)
class HomeContext(Context):
    days: tuple[tuple[date, tuple[str, ...]], ...]  # the latest days with their articles
    top_topics: tuple[TopicLink, ...]
    months: tuple[MonthLink, ...]
    # The page's articles grouped into stories, newest first: a story is shown once, on the
    # day of its newest report, with its reports of every day the page shows.
    stories: tuple[StoryGroup, ...] = ()

    def listed(self) -> tuple[str, ...]:
        return tuple(path for _, paths in self.days for path in paths)

    def values(self, articles: Articles) -> dict[str, Any]:
        leading = {group.paths[0]: group for group in self.stories}
        days = tuple(
            DayDigest(
                day,
                tuple(articles[path] for path in paths),
                tuple(_teaser(leading[path], articles) for path in paths if path in leading)
                if self.stories
                else None,
            )
            for day, paths in self.days
        )
        return {"days": days, "top_topics": self.top_topics, "months": self.months}


def _teaser(group: StoryGroup, articles: Articles) -> StoryTeaser:
    return StoryTeaser(group.id, tuple(articles[path] for path in group.paths))


@dataclass(frozen=True, slots=True)
class ArticleContext(Context):
    path: str
    previous: str | None
    next: str | None
    related: tuple[str, ...]
    # The URL of each content file its text links to: the page shows them, so it is rendered
    # again when one of them moves.
    body_links: tuple[tuple[str, str], ...] = ()
    story: str = ""  # the id of its story; "" when it is in none
    reports: tuple[str, ...] = ()  # the story's other reports, oldest first

    def listed(self) -> tuple[str, ...]:
        around = tuple(path for path in (self.previous, self.next) if path is not None)
        return around + self.related + self.reports

    def in_full(self) -> tuple[str, ...]:
        return (self.path,)

    def values(self, articles: Articles) -> dict[str, Any]:
        neighbours = Neighbours(
            articles[self.previous] if self.previous else None,
            articles[self.next] if self.next else None,
            tuple(articles[path] for path in self.related),
        )
        return {
            "article": articles[self.path],
            "neighbours": neighbours,
            "story": self.story,
            "reports": tuple(articles[path] for path in self.reports),
        }


@dataclass(frozen=True, slots=True)
class DayContext(Context):
    day: DayLink
    items: tuple[str, ...]
    links: Links
    older_day: DayLink | None
    newer_day: DayLink | None
    # The items as the page lists them: each story once, with its reports of the day. Pages
    # of a long day are cut between stories, never inside one.
    stories: tuple[StoryGroup, ...] = ()

    def listed(self) -> tuple[str, ...]:
        return self.items

    def values(self, articles: Articles) -> dict[str, Any]:
        groups = self.stories or tuple(StoryGroup("", (path,)) for path in self.items)
        return {
            "day": self.day,
            "pager": _pager(self.items, self.links, articles),
            "older_day": self.older_day,
            "newer_day": self.newer_day,
            "stories": tuple(_teaser(group, articles) for group in groups),
            "edition_url": f"{self.day.url}edition/",
        }


@dataclass(frozen=True, slots=True)
class MonthContext(Context):
    month: MonthLink
    items: tuple[str, ...]
    links: Links

    def listed(self) -> tuple[str, ...]:
        return self.items

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"month": self.month, "pager": _pager(self.items, self.links, articles)}


@dataclass(frozen=True, slots=True)
class YearContext(Context):
    year: YearLink

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"year": self.year}


@dataclass(frozen=True, slots=True)
class ArchiveContext(Context):
    years: tuple[YearLink, ...]

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"years": self.years}


@dataclass(frozen=True, slots=True)
class TopicsContext(Context):
    topics: tuple[TopicLink, ...]

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"topics": self.topics}


@dataclass(frozen=True, slots=True)
class TopicContext(Context):
    topic: TopicLink
    items: tuple[str, ...]
    links: Links

    def listed(self) -> tuple[str, ...]:
        return self.items

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"topic": self.topic, "pager": _pager(self.items, self.links, articles)}


@dataclass(frozen=True, slots=True)
class AuthorsContext(Context):
    authors: tuple[AuthorLink, ...]

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"authors": self.authors}


@dataclass(frozen=True, slots=True)
class AuthorContext(Context):
    author: AuthorLink
    items: tuple[str, ...]
    links: Links

    def listed(self) -> tuple[str, ...]:
        return self.items

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"author": self.author, "pager": _pager(self.items, self.links, articles)}


@dataclass(frozen=True, slots=True)
class SourcesContext(Context):
    sources: tuple[SourceLink, ...]

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"sources": self.sources}


@dataclass(frozen=True, slots=True)
class SourceContext(Context):
    source: SourceLink
    items: tuple[str, ...]
    links: Links

    def listed(self) -> tuple[str, ...]:
        return self.items

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"source": self.source, "pager": _pager(self.items, self.links, articles)}


@dataclass(frozen=True, slots=True)
class RedirectContext(Context):
    """A page at an old URL (an alias) that sends readers on to the article or page."""

    path: str  # the content file that moved, whose title the page names
    target: str  # its site-relative URL now

    def listed(self) -> tuple[str, ...]:
        return (self.path,)


@dataclass(frozen=True, slots=True)
class RedirectsContext(Context):
    """The `_redirects` file: every alias with the URL it leads to, site-relative."""

    rules: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class FeedContext(Context):
    """An Atom or JSON feed: its newest articles, with their text when feeds carry it."""

    title: str
    description: str
    self_url: str  # site-relative, e.g. "topics/nato/feed.xml"
    page_url: str  # the HTML page it follows, e.g. "topics/nato/"
    items: tuple[str, ...]  # newest first, already cut to the configured count
    full_content: bool
    body_links: tuple[tuple[str, str], ...] = ()  # as ArticleContext's, for the full texts

    def listed(self) -> tuple[str, ...]:
        return NOTHING if self.full_content else self.items

    def in_full(self) -> tuple[str, ...]:
        return self.items if self.full_content else NOTHING


@dataclass(frozen=True, slots=True)
class SitemapContext(Context):
    entries: tuple[SitemapEntry, ...]


@dataclass(frozen=True, slots=True)
class SitemapIndexContext(Context):
    parts: tuple[tuple[SitemapEntry, ...], ...]


@dataclass(frozen=True, slots=True)
class NewsSitemapContext(Context):
    items: tuple[str, ...]

    def listed(self) -> tuple[str, ...]:
        return self.items


@dataclass(frozen=True, slots=True)
class EditionContext(Context):
    """A day's e-mail edition (its HTML and its plain text): the day's stories as its day
    page lists them, each story once with its reports of the day."""

    day: date
    stories: tuple[StoryGroup, ...]
    label: str = ""  # the day in the site's language
    subject: str = ""
    header: str = ""  # the settings' lines, [tool.newsdigest.edition]
    footer: str = ""

    def listed(self) -> tuple[str, ...]:
        return tuple(path for group in self.stories for path in group.paths)

    def values(self, articles: Articles) -> dict[str, Any]:
        return {"edition": self.edition(articles)}

    def edition(self, articles: Articles) -> Edition:
        stories = tuple(_teaser(group, articles) for group in self.stories)
        return Edition(self.day, self.label, self.subject, stories, self.header, self.footer)


@dataclass(frozen=True, slots=True)
class OpmlContext(Context):
    """feeds.opml: the title of the list, and each feed's title and site-relative URL."""

    title: str
    feeds: tuple[tuple[str, str, str], ...]  # each feed's title, URL and its page's URL
