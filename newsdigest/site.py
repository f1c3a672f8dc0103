"""The site model: articles in order, topics, days, months, years, neighbours (pure)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from newsdigest.articles import Article
from newsdigest.config import Config

RELATED_LIMIT = 5
# Related articles are looked for among this many neighbours in time on each shared topic:
# news readers want what is close in time, and it keeps the work linear in the archive size.
RELATED_WINDOW = 12


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    description: str
    articles: tuple[Article, ...]  # newest first

    @property
    def url(self) -> str:
        return f"topics/{self.slug}/"


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    articles: tuple[Article, ...]  # newest first

    @property
    def url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/{self.day.day:02d}/"

    @property
    def month_url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/"


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int
    days: tuple[Day, ...]  # newest first

    @property
    def url(self) -> str:
        return f"{self.year:04d}/{self.month:02d}/"

    @property
    def year_url(self) -> str:
        return f"{self.year:04d}/"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(article for day in self.days for article in day.articles)


@dataclass(frozen=True, slots=True)
class Year:
    year: int
    months: tuple[Month, ...]  # newest first

    @property
    def url(self) -> str:
        return f"{self.year:04d}/"

    @property
    def count(self) -> int:
        return sum(len(month.articles) for month in self.months)


@dataclass(frozen=True, slots=True)
class Neighbours:
    previous: Article | None  # older
    next: Article | None  # newer
    related: tuple[Article, ...]


@dataclass(frozen=True, slots=True)
class Site:
    articles: tuple[Article, ...]  # newest first
    topics: tuple[Topic, ...]  # by slug
    years: tuple[Year, ...]  # newest first
    neighbours: dict[str, Neighbours]  # by article path

    @property
    def days(self) -> tuple[Day, ...]:
        return tuple(day for year in self.years for month in year.months for day in month.days)

    @property
    def months(self) -> tuple[Month, ...]:
        return tuple(month for year in self.years for month in year.months)

    def topic_named(self, name: str) -> Topic:
        return self._topics_by_name()[name]

    def _topics_by_name(self) -> dict[str, Topic]:
        return {topic.name: topic for topic in self.topics}


def make_site(
    articles: list[Article],
    config: Config,
    previous: Site | None = None,
    changed: frozenset[str] = frozenset(),
) -> Site:
    """Group and order the articles; the input order does not matter.

    With the `previous` site and the paths of the articles `changed` since (edited, added or
    removed), related articles are worked out again only where they can differ: around the
    changed articles in each of their topics, before and after. The result is the same as
    without them; the dev server passes them to stay fast at archive scale.
    """
    newest_first = tuple(sorted(articles, key=lambda a: a.sort_key, reverse=True))
    topics = _topics(newest_first, config)
    keep: dict[str, tuple[Article, ...]] = {}
    if previous is not None:
        stale = _near(previous.topics, changed) | _near(topics, changed) | set(changed)
        keep = {
            path: found.related for path, found in previous.neighbours.items() if path not in stale
        }
    return Site(
        articles=newest_first,
        topics=topics,
        years=_years(newest_first),
        neighbours=_neighbours(newest_first, topics, keep),
    )


def _near(topics: tuple[Topic, ...], changed: frozenset[str]) -> set[str]:
    """Articles within RELATED_WINDOW places of a changed one in any topic list."""
    found: set[str] = set()
    if not changed:
        return found
    for topic in topics:
        members = topic.articles
        for index, article in enumerate(members):
            if article.path in changed:
                window = members[max(0, index - RELATED_WINDOW) : index + RELATED_WINDOW + 1]
                found.update(other.path for other in window)
    return found


def _topics(newest_first: tuple[Article, ...], config: Config) -> tuple[Topic, ...]:
    members: dict[str, list[Article]] = defaultdict(list)
    for article in newest_first:
        for name in article.topics:
            members[name].append(article)
    topics = [
        Topic(name, config.topic_slug(name), config.topic_settings(name).description, tuple(found))
        for name, found in members.items()
    ]
    return tuple(sorted(topics, key=lambda t: (t.slug, t.name)))


def _years(newest_first: tuple[Article, ...]) -> tuple[Year, ...]:
    days = [
        Day(day, tuple(group))
        for day, group in groupby(newest_first, key=lambda a: a.published.date())
    ]
    months = [
        Month(year, month, tuple(group))
        for (year, month), group in groupby(days, key=lambda d: (d.day.year, d.day.month))
    ]
    return tuple(Year(year, tuple(group)) for year, group in groupby(months, key=lambda m: m.year))


def _neighbours(
    newest_first: tuple[Article, ...],
    topics: tuple[Topic, ...],
    keep: dict[str, tuple[Article, ...]],
) -> dict[str, Neighbours]:
    """Previous/next in time over the whole site, and related articles by shared topics."""
    by_name = {topic.name: topic.articles for topic in topics}
    position: dict[tuple[str, str], int] = {}
    for topic in topics:
        for index, article in enumerate(topic.articles):
            position[(topic.name, article.path)] = index
    # Computed once per article rather than once per comparison.
    moments = {a.path: a.published.timestamp() for a in newest_first}
    topic_sets = {a.path: frozenset(a.topics) for a in newest_first}
    neighbours = {}
    for index, article in enumerate(newest_first):
        newer = newest_first[index - 1] if index > 0 else None
        older = newest_first[index + 1] if index + 1 < len(newest_first) else None
        related = keep.get(article.path)
        if related is None:
            related = _related(article, by_name, position, moments, topic_sets)
        neighbours[article.path] = Neighbours(previous=older, next=newer, related=related)
    return neighbours


def _related(
    article: Article,
    by_name: dict[str, tuple[Article, ...]],
    position: dict[tuple[str, str], int],
    moments: dict[str, float],
    topic_sets: dict[str, frozenset[str]],
) -> tuple[Article, ...]:
    """Most shared topics first, then closest in time, then path: the same on every machine."""
    candidates: dict[str, Article] = {}
    for name in article.topics:
        members = by_name[name]
        here = position[(name, article.path)]
        for other in members[max(0, here - RELATED_WINDOW) : here + RELATED_WINDOW + 1]:
            candidates[other.path] = other
    candidates.pop(article.path, None)
    mine = topic_sets[article.path]
    moment = moments[article.path]
    ranked = sorted(
        (-len(mine & topic_sets[path]), abs(moments[path] - moment), path) for path in candidates
    )
    return tuple(candidates[path] for _, _, path in ranked[:RELATED_LIMIT])
