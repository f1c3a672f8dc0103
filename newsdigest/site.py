"""The site's structure: articles in order, topics, authors, sources, days, months, years,
neighbours, and the pages beside them (pure).

The structure is made of `Entry` values, the few fields of an article that decide which pages
exist and what they list (its path, URL, dates and topics), never its title or text. So an edit
that changes only what an article says leaves the structure, and the plan made from it, as they
were: the build then renders only the pages that show what changed (see changes.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from newsdigest.articles import ARTICLE, Entry
from newsdigest.config import Config
from newsdigest.stories import Story, group_stories

RELATED_LIMIT = 5
# Related articles are looked for among this many neighbours in time on each shared topic:
# news readers want what is close in time, and it keeps the work linear in the archive size.
RELATED_WINDOW = 12


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    slug: str
    description: str
    paths: tuple[str, ...]  # newest first

    @property
    def url(self) -> str:
        return f"topics/{self.slug}/"

    @property
    def count(self) -> int:
        return len(self.paths)


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    slug: str
    paths: tuple[str, ...]  # newest first

    @property
    def url(self) -> str:
        return f"authors/{self.slug}/"

    @property
    def count(self) -> int:
        return len(self.paths)


@dataclass(frozen=True, slots=True)
class Outlet:
    """A source of articles: a news agency or an outlet (`source:` in front matter)."""

    name: str
    slug: str
    paths: tuple[str, ...]  # newest first

    @property
    def url(self) -> str:
        return f"sources/{self.slug}/"

    @property
    def count(self) -> int:
        return len(self.paths)


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    paths: tuple[str, ...]  # newest first

    @property
    def url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/{self.day.day:02d}/"

    @property
    def month_url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/"

    @property
    def count(self) -> int:
        return len(self.paths)


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
    def paths(self) -> tuple[str, ...]:
        return tuple(path for day in self.days for path in day.paths)

    @property
    def count(self) -> int:
        return sum(day.count for day in self.days)


@dataclass(frozen=True, slots=True)
class Year:
    year: int
    months: tuple[Month, ...]  # newest first

    @property
    def url(self) -> str:
        return f"{self.year:04d}/"

    @property
    def count(self) -> int:
        return sum(month.count for month in self.months)


@dataclass(frozen=True, slots=True)
class Neighbours:
    previous: str | None  # older
    next: str | None  # newer
    related: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Site:
    entries: tuple[Entry, ...]  # the articles, newest first
    topics: tuple[Topic, ...]  # by slug
    years: tuple[Year, ...]  # newest first
    neighbours: dict[str, Neighbours]  # by article path
    authors: tuple[Author, ...] = ()  # by slug
    outlets: tuple[Outlet, ...] = ()  # by slug
    pages: tuple[Entry, ...] = ()  # content/pages/, by path: in no list
    stories: dict[str, Story] = field(default_factory=dict)  # by path, of articles in one

    @property
    def months(self) -> tuple[Month, ...]:
        return tuple(month for year in self.years for month in year.months)

    @property
    def days(self) -> tuple[Day, ...]:
        return tuple(day for month in self.months for day in month.days)

    def related(self) -> dict[str, tuple[str, ...]]:
        """Each article's related articles: what the next build may reuse."""
        return {path: found.related for path, found in self.neighbours.items()}


# What the last build worked out: each article's entry then, and its related articles.
Previous = Mapping[str, tuple[Entry, tuple[str, ...]]]


def make_site(entries: Iterable[Entry], config: Config, previous: Previous | None = None) -> Site:
    """Group and order the entries; the input order does not matter.

    With what the `previous` build worked out, related articles are worked out again only where
    they can differ: for the entries that were added, removed or changed, and for those within
    RELATED_WINDOW places of one of them in a topic, before or after the change. The result is
    the same as without `previous`; it keeps an edit of a 10,000-article site fast.
    """
    everything = tuple(entries)
    newest_first = _newest_first(entry for entry in everything if entry.kind == ARTICLE)
    topics = _topics(newest_first, config)
    keep: dict[str, tuple[str, ...]] = {}
    if previous:
        changed = _changed(newest_first, previous)
        old = _topics(_newest_first(entry for entry, _ in previous.values()), config)
        stale = _near(old, changed) | _near(topics, changed) | changed
        keep = {path: related for path, (_, related) in previous.items() if path not in stale}
    return Site(
        entries=newest_first,
        topics=topics,
        years=_years(newest_first),
        neighbours=_neighbours(newest_first, topics, keep),
        authors=tuple(
            Author(name, config.author_slug(name), paths)
            for name, paths in _members(newest_first, lambda e: e.authors, config.author_slug)
        ),
        outlets=tuple(
            Outlet(name, config.source_slug(name), paths)
            for name, paths in _members(newest_first, lambda e: e.sources, config.source_slug)
        ),
        pages=tuple(sorted((e for e in everything if e.kind != ARTICLE), key=lambda e: e.path)),
        stories=group_stories(newest_first),
    )


def _newest_first(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    # Wire stories often share a minute; the path breaks ties the same way on every machine.
    return tuple(sorted(entries, key=lambda e: (e.published, e.path), reverse=True))


def _changed(newest_first: tuple[Entry, ...], previous: Previous) -> set[str]:
    """Paths added, removed or changed since the previous build."""
    current = {entry.path: entry for entry in newest_first}
    changed = {path for path in previous if path not in current}
    for path, entry in current.items():
        before = previous.get(path)
        if before is None or before[0] != entry:
            changed.add(path)
    return changed


def _near(topics: tuple[Topic, ...], changed: set[str]) -> set[str]:
    """Articles within RELATED_WINDOW places of a changed one in any topic list."""
    found: set[str] = set()
    if not changed:
        return found
    for topic in topics:
        members = topic.paths
        for index, path in enumerate(members):
            if path in changed:
                found.update(members[max(0, index - RELATED_WINDOW) : index + RELATED_WINDOW + 1])
    return found


def _topics(newest_first: tuple[Entry, ...], config: Config) -> tuple[Topic, ...]:
    members: dict[str, list[str]] = defaultdict(list)
    for entry in newest_first:
        for name in entry.topics:
            members[name].append(entry.path)
    topics = [
        Topic(name, config.topic_slug(name), config.topic_settings(name).description, tuple(found))
        for name, found in members.items()
    ]
    return tuple(sorted(topics, key=lambda t: (t.slug, t.name)))


def _members(
    newest_first: tuple[Entry, ...],
    names: Callable[[Entry], tuple[str, ...]],
    slug: Callable[[str], str],
) -> list[tuple[str, tuple[str, ...]]]:
    """Each name (author or source) with its articles, newest first, ordered by slug."""
    members: dict[str, list[str]] = defaultdict(list)
    for entry in newest_first:
        for name in names(entry):
            members[name].append(entry.path)
    return [(name, tuple(members[name])) for name in sorted(members, key=lambda n: (slug(n), n))]


def _years(newest_first: tuple[Entry, ...]) -> tuple[Year, ...]:
    by_day: dict[date, list[str]] = {}
    for entry in newest_first:
        by_day.setdefault(entry.published.date(), []).append(entry.path)
    by_month: dict[tuple[int, int], list[Day]] = {}
    for day, paths in by_day.items():
        by_month.setdefault((day.year, day.month), []).append(Day(day, tuple(paths)))
    by_year: dict[int, list[Month]] = {}
    for (year, month), days in by_month.items():
        by_year.setdefault(year, []).append(Month(year, month, tuple(days)))
    return tuple(Year(year, tuple(months)) for year, months in by_year.items())


def _neighbours(
    newest_first: tuple[Entry, ...], topics: tuple[Topic, ...], keep: dict[str, tuple[str, ...]]
) -> dict[str, Neighbours]:
    """Previous/next in time over the whole site, and related articles by shared topics."""
    by_name = {topic.name: topic.paths for topic in topics}
    entries = {entry.path: entry for entry in newest_first}
    positions: dict[str, dict[str, int]] | None = None
    neighbours = {}
    count = len(newest_first)
    for index, entry in enumerate(newest_first):
        newer = newest_first[index - 1].path if index > 0 else None
        older = newest_first[index + 1].path if index + 1 < count else None
        related = keep.get(entry.path)
        if related is None:
            if positions is None:  # only when something must be worked out again
                positions = {
                    name: {path: i for i, path in enumerate(paths)}
                    for name, paths in by_name.items()
                }
            related = _related(entry, by_name, positions, entries)
        neighbours[entry.path] = Neighbours(previous=older, next=newer, related=related)
    return neighbours


def _related(
    entry: Entry,
    by_name: dict[str, tuple[str, ...]],
    positions: dict[str, dict[str, int]],
    entries: dict[str, Entry],
) -> tuple[str, ...]:
    """Most shared topics first, then closest in time, then path: the same on every machine."""
    candidates: set[str] = set()
    for name in entry.topics:
        members = by_name[name]
        here = positions[name][entry.path]
        candidates.update(members[max(0, here - RELATED_WINDOW) : here + RELATED_WINDOW + 1])
    candidates.discard(entry.path)
    mine = frozenset(entry.topics)
    moment = entry.published.timestamp()
    ranked = sorted(
        (
            -len(mine.intersection(entries[path].topics)),
            abs(entries[path].published.timestamp() - moment),
            path,
        )
        for path in candidates
    )
    return tuple(path for _, _, path in ranked[:RELATED_LIMIT])
