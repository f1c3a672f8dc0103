"""The plan: every output file with its template and context; URL collisions (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import groupby
from typing import Any, Literal

from newsdigest.articles import Article, Asset
from newsdigest.config import Config
from newsdigest.errors import Problem
from newsdigest.feeds import Feed, newest
from newsdigest.site import Day, Site
from newsdigest.sitemap import (
    SitemapEntry,
    last_modified,
    news_articles,
    part_url,
    split_sitemap,
)
from newsdigest.urls import output_file

PageKind = Literal[
    "home",
    "article",
    "day",
    "month",
    "year",
    "archive",
    "topics",
    "topic",
    "search",
    "not_found",
    # Documents for machines, written by Python (feeds.py, sitemap.py), not by templates:
    "atom",
    "json_feed",
    "sitemap",
    "sitemap_index",
    "news_sitemap",
    "robots",
]
TEMPLATES: dict[str, str] = {
    "home": "home.html",
    "article": "article.html",
    "day": "day.html",
    "month": "month.html",
    "year": "year.html",
    "archive": "archive.html",
    "topics": "topics.html",
    "topic": "topic.html",
    "search": "search.html",
    "not_found": "404.html",
}


HOME_TOPICS = 12
HOME_MONTHS = 6


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML file to write: what kind, where, and the few values its template needs."""

    kind: PageKind
    url: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    origin: str = ""  # what asked for this URL, for collision messages
    modified: datetime | None = None  # the newest change among its articles: sitemap lastmod

    @property
    def template(self) -> str:
        """The Jinja template of an HTML page; "" for a feed, sitemap or robots.txt."""
        return TEMPLATES.get(self.kind, "")

    @property
    def is_html(self) -> bool:
        return self.kind in TEMPLATES

    @property
    def file(self) -> str:
        return output_file(self.url)


@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a paginated list, with its neighbours' URLs."""

    items: tuple[Article, ...]
    number: int
    count: int
    first_url: str

    def url_of(self, number: int) -> str:
        return self.first_url if number == 1 else f"{self.first_url}page/{number}/"

    @property
    def previous_url(self) -> str | None:
        return self.url_of(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url_of(self.number + 1) if self.number < self.count else None

    @property
    def days(self) -> list[Day]:
        """This page's articles grouped by day, newest first, for digest-style lists."""
        return [
            Day(day, tuple(group))
            for day, group in groupby(self.items, key=lambda a: a.published.date())
        ]


@dataclass(frozen=True, slots=True)
class Plan:
    pages: tuple[Page, ...]
    copies: tuple[Asset, ...]


def plan_pages(
    site: Site, config: Config, assets: Sequence[Asset], static: Sequence[Asset]
) -> tuple[Plan, list[Problem]]:
    """Every page of the site, and every URL claimed twice."""
    pages: list[Page] = [_home(site, config)]
    day_links = _day_links(site)
    for article in site.articles:
        pages.append(
            Page(
                "article",
                article.url,
                article.title,
                article.summary,
                {"article": article, "neighbours": site.neighbours[article.path]},
                origin=article.path,
                modified=article.updated or article.published,
            )
        )
    for year in site.years:
        pages.append(
            Page(
                "year",
                year.url,
                str(year.year),
                f"{year.count} articles in {year.year}",
                {"year": year},
                modified=last_modified([a for m in year.months for a in m.articles]),
            )
        )
        for month in year.months:
            label = month.first_day.strftime("%B %Y")
            pages += _paginated(
                "month",
                month.url,
                label,
                f"Articles of {label}",
                month.articles,
                config,
                {"month": month},
            )
            for day in month.days:
                label = _long_date(day.day)
                older, newer = day_links.get(day.day, (None, None))
                pages += _paginated(
                    "day",
                    day.url,
                    label,
                    f"The digest of {label}",
                    day.articles,
                    config,
                    {"day": day, "older_day": older, "newer_day": newer},
                )
    everything = last_modified(site.articles)
    pages.append(
        Page(
            "archive",
            "archive/",
            "Archive",
            "Every month of the digest",
            {"years": site.years},
            modified=everything,
        )
    )
    pages.append(
        Page(
            "topics",
            "topics/",
            "Topics",
            "Every topic of the digest",
            {"topics": site.topics},
            modified=everything,
        )
    )
    pages.append(
        Page(
            "search",
            "search/",
            "Search",
            "Search every article of the digest",
            {},
            modified=everything,
        )
    )
    for topic in site.topics:
        description = topic.description or f"Articles about {topic.name}"
        pages += _paginated(
            "topic",
            topic.url,
            topic.name,
            description,
            topic.articles,
            config,
            {"topic": topic},
            origin=f"topic {topic.name!r}",
        )
    pages.append(
        Page("not_found", "404.html", "Page not found", "The page you asked for is not here.")
    )
    pages += _feeds(site, config)
    pages += _sitemaps(site, config, pages)
    copies = (*static, *assets)
    return Plan(tuple(pages), tuple(copies)), _problems(site, pages, static, assets)


def _day_links(site: Site) -> dict[date, tuple[Day | None, Day | None]]:
    """Each day's older and newer neighbour with articles, for the day pages' navigation.

    They carry no articles, so an edit on one day does not re-render the days around it."""
    days = [Day(d.day, ()) for year in site.years for month in year.months for d in month.days]
    return {
        day.day: (
            days[index + 1] if index + 1 < len(days) else None,
            days[index - 1] if index > 0 else None,
        )
        for index, day in enumerate(days)
    }


def _home(site: Site, config: Config) -> Page:
    days = [day for year in site.years for month in year.months for day in month.days]
    return Page(
        "home",
        "",
        config.title,
        config.description or config.title,
        {
            "days": tuple(days[: config.home_days]),
            # The sidebar: the busiest topics, and the latest months.
            "top_topics": tuple(
                sorted(site.topics, key=lambda t: (-len(t.articles), t.slug))[:HOME_TOPICS]
            ),
            "months": tuple(m for year in site.years for m in year.months)[:HOME_MONTHS],
        },
        modified=last_modified([a for day in days[: config.home_days] for a in day.articles]),
    )


def _paginated(
    kind: PageKind,
    url: str,
    title: str,
    description: str,
    articles: Sequence[Article],
    config: Config,
    context: dict[str, Any],
    origin: str = "",
) -> list[Page]:
    count = max(1, -(-len(articles) // config.per_page))
    pages = []
    for number in range(1, count + 1):
        items = tuple(articles[(number - 1) * config.per_page : number * config.per_page])
        pager = Pager(items, number, count, url)
        heading = title if number == 1 else f"{title} (page {number})"
        pages.append(
            Page(
                kind,
                pager.url_of(number),
                heading,
                description,
                {**context, "pager": pager},
                origin=origin,
                modified=last_modified(items),
            )
        )
    return pages


def _feeds(site: Site, config: Config) -> list[Page]:
    """The site's Atom and JSON feeds, and an Atom feed per topic."""
    count = config.feeds.entries
    main = Feed(config.title, config.description, "feed.xml", "", newest(site.articles, count))
    pages = [
        Page("atom", main.self_url, main.title, main.description, {"feed": main}),
        Page(
            "json_feed",
            "feed.json",
            main.title,
            main.description,
            {"feed": replace(main, self_url="feed.json")},
        ),
    ]
    for topic in site.topics:
        feed = Feed(
            f"{topic.name} · {config.title}",
            topic.description,
            f"{topic.url}feed.xml",
            topic.url,
            newest(topic.articles, count),
        )
        pages.append(
            Page("atom", feed.self_url, feed.title, feed.description, {"feed": feed},
                 origin=f"topic {topic.name!r}")
        )  # fmt: skip
    return pages


def _sitemaps(site: Site, config: Config, pages: Sequence[Page]) -> list[Page]:
    """sitemap.xml over every HTML page but the 404 (an index past 50,000), news, robots."""
    entries = [
        SitemapEntry(page.url, page.modified)
        for page in pages
        if page.is_html and page.kind != "not_found"
    ]
    parts = split_sitemap(entries)
    documents = [
        Page("news_sitemap", "news-sitemap.xml", "News sitemap", "",
             {"articles": news_articles(site.articles)}),
        Page("robots", "robots.txt", "robots.txt", ""),
    ]  # fmt: skip
    if len(parts) == 1:
        return [Page("sitemap", "sitemap.xml", "Sitemap", "", {"entries": parts[0]}), *documents]
    index = Page("sitemap_index", "sitemap.xml", "Sitemap index", "", {"parts": parts})
    return [
        index,
        *(
            Page("sitemap", part_url(number), "Sitemap", "", {"entries": part})
            for number, part in enumerate(parts, start=1)
        ),
        *documents,
    ]


def _long_date(day: date) -> str:
    return f"{day.strftime('%A')}, {day.day} {day.strftime('%B %Y')}"


def _problems(
    site: Site, pages: Sequence[Page], static: Sequence[Asset], assets: Sequence[Asset]
) -> list[Problem]:
    """Every output file claimed twice, naming both claimants; topics with no URL or one URL."""
    problems: list[Problem] = []
    clashing: set[str] = set()
    for slug, group in groupby(site.topics, key=lambda t: t.slug):  # topics are sorted by slug
        same = sorted(group, key=lambda t: t.name)
        if slug and len(same) > 1:
            # One message per clash, naming where each topic is used, not one per page of it.
            clashing.update(f"topic {topic.name!r}" for topic in same)
            used = ", ".join(
                f"{topic.name!r} ({', '.join(sorted(a.path for a in topic.articles)[:3])}"
                + (f" and {len(topic.articles) - 3} more" if len(topic.articles) > 3 else "")
                + ")"
                for topic in same
            )
            problems.append(
                Problem(
                    min(a.path for a in same[-1].articles),
                    f"topics {used} {'both' if len(same) == 2 else 'all'} have the URL "
                    f"topics/{slug}/",
                    hint=f"rename one, or give one its own URL in pyproject.toml: "
                    f'[tool.newsdigest.topics."{same[-1].name}"] slug = "..."',
                )
            )
    for topic in site.topics:
        if not topic.slug:
            first = min(topic.articles, key=lambda a: a.path)
            problems.append(
                Problem(
                    first.path,
                    f"topic {topic.name!r} gives an empty URL",
                    hint="use a topic name with latin letters or digits",
                )
            )
    claims: dict[str, str] = {}

    def claim(file: str, who: str, describe: Callable[[str], str]) -> None:
        other = claims.setdefault(file, who)
        if other != who:
            problems.append(Problem(who, describe(other)))

    for page in pages:
        if page.origin in clashing:
            continue
        who = page.origin or f"the {page.kind.replace('_', ' ')} page"
        claim(page.file, who, lambda other, p=page: f"{p.url or '/'} is also the URL of {other}")
    for asset in (*static, *assets):
        who = asset.source.as_posix()
        claim(asset.url, who, lambda other, a=asset: f"{a.url} is also written by {other}")
    # Static files of the site override the theme's on purpose; only report real clashes.
    return problems
