"""The plan: every output file with its kind, URL and typed context; URL collisions (pure).

Lists are paginated so that a new article changes only the newest page of each list: the list's
own URL shows its newest articles (between `per_page` and twice that, less one), and the older
ones are on sealed pages numbered from the oldest (`page/1/` holds the oldest `per_page`). A full
sealed page never changes when newer articles arrive; when the newest page has grown to twice
`per_page`, its older half becomes the next sealed page.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from itertools import groupby
from typing import Literal

from newsdigest.articles import ARTICLE, Asset, Entry
from newsdigest.config import Config
from newsdigest.content import field_line, link_line
from newsdigest.contexts import (
    ArchiveContext,
    ArticleContext,
    AuthorContext,
    AuthorLink,
    AuthorsContext,
    Context,
    DayContext,
    DayLink,
    EditionContext,
    FeedContext,
    HomeContext,
    Links,
    MonthContext,
    MonthLink,
    NewsSitemapContext,
    OpmlContext,
    Plain,
    RedirectContext,
    RedirectsContext,
    SitemapContext,
    SitemapIndexContext,
    SourceContext,
    SourceLink,
    SourcesContext,
    TopicContext,
    TopicLink,
    TopicsContext,
    YearContext,
    YearLink,
)
from newsdigest.edition import day_label, subject
from newsdigest.errors import Problem
from newsdigest.pictures import Rendition
from newsdigest.site import Author, Day, Month, Outlet, Site, Topic, Year
from newsdigest.sitemap import SitemapEntry, part_url, split_sitemap
from newsdigest.stories import StoryGroup, story_groups
from newsdigest.urls import output_file
from newsdigest.words import Words, words_for

PageKind = Literal[
    "home",
    "article",
    "day",
    "month",
    "year",
    "archive",
    "topics",
    "topic",
    "authors",
    "author",
    "sources",
    "source",
    "page",
    "search",
    "not_found",
    # A page at an old URL that sends readers on, written by Python (redirects.py):
    "redirect",
    # Documents for machines, written by Python (feeds.py, sitemap.py), not by templates:
    "atom",
    "json_feed",
    "sitemap",
    "sitemap_index",
    "news_sitemap",
    "robots",
    "redirects",
    # A day's edition: the e-mail's HTML (edition.html, its CSS inlined) and its plain text.
    "edition",
    "edition_text",
    "opml",  # feeds.opml: every Atom feed of the site, to subscribe to all at once
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
    "authors": "authors.html",
    "author": "author.html",
    "sources": "sources.html",
    "source": "source.html",
    "page": "page.html",
    "search": "search.html",
    "not_found": "404.html",
    "edition": "edition.html",
}
SEARCH_BUNDLE = "pagefind/"  # the search index's folder in the output
HOME_TOPICS = 12
HOME_MONTHS = 6
NEWS_LIMIT = 1_000  # Google News: at most 1,000 URLs ...
NEWS_WINDOW = timedelta(days=2)  # ... of articles published in the last two days


@dataclass(frozen=True, slots=True)
class Page:
    """One output file: what kind, where, and what it shows.

    An article page's title and description are its article's, filled in when it is rendered:
    the plan holds no article text, so an edit of a headline leaves the plan as it was.
    """

    kind: PageKind
    url: str
    context: Context
    title: str = ""
    description: str = ""
    origin: str = ""  # what asked for this URL, for collision messages
    modified: datetime | None = None  # the newest change among its articles: sitemap lastmod
    layout: str = ""  # the template its content file asked for (`template:`), if any
    indexed: bool = False  # in the search index

    @property
    def template(self) -> str:
        """The Jinja template of an HTML page; "" for a feed, sitemap or robots.txt."""
        return self.layout or TEMPLATES.get(self.kind, "")

    @property
    def is_html(self) -> bool:
        return self.kind in TEMPLATES

    @property
    def file(self) -> str:
        return output_file(self.url)


@dataclass(frozen=True, slots=True)
class Plan:
    pages: tuple[Page, ...]
    copies: tuple[Asset, ...]
    renditions: tuple[Rendition, ...] = ()  # images' copies, each its own output (pictures.py)


def words(config: Config) -> Words:
    """The site's words and dates in its language: every title and description made here (and
    anything else Python writes for readers: feed titles, redirect pages, an edition's subject)
    is made with it, `words(config).gettext("Archive")`, `.long_date(day)`."""
    return words_for(config.site_dir, config.language, config.catalogs)


Times = Mapping[str, datetime]  # when each article last changed, by path


def plan_pages(
    site: Site,
    config: Config,
    assets: Sequence[Asset],
    static: Sequence[Asset],
    now: datetime,
    templates: Collection[str] | None = None,
    known: Collection[str] | None = None,
    renditions: Sequence[Rendition] = (),
) -> tuple[Plan, list[Problem]]:
    """Every page of the site, and every URL claimed twice; with the names of the site's
    `templates`, every content file that asks for a template that is not one of them; with the
    `known` content files, every link in a text to a file that is not published.
    `renditions` are the copies of images (pictures.split_assets), outputs like the rest."""
    # When each article last changed: a list page's date is its newest article's.
    times: Times = {entry.path: entry.modified for entry in site.entries}
    urls = {entry.path: entry.url for entry in (*site.entries, *site.pages)}
    said = words(config)
    pages: list[Page] = [_home(site, config, times)]
    for entry in site.entries:
        found = site.neighbours[entry.path]
        links = _links((entry,), urls)
        context = ArticleContext(entry.path, found.previous, found.next, found.related, links)
        if entry.path in site.stories:
            context = _in_story(context, site)
        pages.append(
            Page("article", entry.url, context, origin=entry.path, modified=entry.modified,
                 layout=entry.template, indexed=True)
        )  # fmt: skip
    for entry in site.pages:
        context = ArticleContext(entry.path, None, None, (), _links((entry,), urls))
        pages.append(
            Page("page", entry.url, context, origin=entry.path, modified=entry.lastmod,
                 layout=entry.template, indexed=config.pages.search)
        )  # fmt: skip
    # A day's stories, as its page and its edition list them.
    stories = {day.day: story_groups(day.paths, site.stories) for day in site.days}
    pages += _archive(site, config, times, stories)
    for topic in site.topics:
        pages += _paginated(
            "topic",
            topic.url,
            topic.name,
            topic.description or said.gettext("Articles about %(name)s", name=topic.name),
            topic.paths,
            config,
            partial(_topic_context, topic),
            times,
            origin=f"topic {topic.name!r}",
        )
    pages += _people(site, config, times)
    if config.search:
        pages.append(
            Page(
                "search",
                "search/",
                Plain(),
                said.gettext("Search"),
                said.gettext("Search every article of the digest"),
            )
        )
    pages.append(
        Page(
            "not_found",
            "404.html",
            Plain(),
            said.gettext("Page not found"),
            said.gettext("The page you asked for is not here."),
        )
    )
    pages += _redirects(site)
    pages += _feeds(site, config)
    pages += _editions(site, config, times, stories)
    pages.append(_opml(pages, config))
    pages += _sitemaps(site, config, pages, now)
    copies = (*static, *assets)
    reserved = (SEARCH_BUNDLE,) if config.search else ()
    problems = _problems(site, pages, static, assets, reserved, renditions)
    problems += _link_problems(site, config, urls, known or ())
    if templates is not None:
        problems += _unknown_templates(site, config, templates)
    return Plan(tuple(pages), tuple(copies), tuple(renditions)), problems


def _people(site: Site, config: Config, times: Times) -> list[Page]:
    """The pages of each author and each source, paginated like topics, and their indexes."""
    pages: list[Page] = []
    said = words(config)
    for author in site.authors:
        link = author_link(author, config)
        pages += _paginated(
            "author",
            author.url,
            author.name,
            link.bio or said.gettext("Articles by %(name)s", name=author.name),
            author.paths,
            config,
            partial(_author_context, author, config),
            times,
            origin=f"author {author.name!r}",
        )
    for outlet in site.outlets:
        found = source_link(outlet, config)
        pages += _paginated(
            "source",
            outlet.url,
            outlet.name,
            found.description or said.gettext("Articles from %(name)s", name=outlet.name),
            outlet.paths,
            config,
            partial(_source_context, outlet, config),
            times,
            origin=f"source {outlet.name!r}",
        )
    newest = _newest_entry(site)
    if site.authors:
        context = AuthorsContext(tuple(author_link(a, config) for a in site.authors))
        pages.append(Page("authors", "authors/", context, said.gettext("Authors"),
                          said.gettext("Every author of the digest"), modified=newest))  # fmt: skip
    if site.outlets:
        sources = SourcesContext(tuple(source_link(o, config) for o in site.outlets))
        about = said.gettext("Every agency and outlet the digest draws on")
        pages.append(
            Page("sources", "sources/", sources, said.gettext("Sources"), about, modified=newest)
        )
    return pages


def _redirects(site: Site) -> list[Page]:
    """A redirect page at each alias, and the `_redirects` file that lists them all."""
    pages = []
    rules = []
    for entry in sorted((*site.entries, *site.pages), key=lambda e: e.path):
        for alias in entry.aliases:
            context = RedirectContext(entry.path, entry.url)
            pages.append(Page("redirect", alias, context, "Moved", origin=entry.path))
            rules.append((alias, entry.url))
    if rules:
        listing = RedirectsContext(tuple(rules))
        origin = "the _redirects file made from the aliases in front matter"
        pages.append(Page("redirects", "_redirects", listing, "Redirects", origin=origin))
    return pages


def _link_problems(
    site: Site, config: Config, urls: Mapping[str, str], known: Collection[str]
) -> list[Problem]:
    """A link in a text to a content file that is not there is an error at its line; one to a
    file this build does not publish (a draft, one dated in the future) a warning."""
    problems = []
    for entry in (*site.entries, *site.pages):
        for target in entry.links:
            if target in urls:
                continue
            line = link_line(config.site_dir, entry.path, target)
            if target in known:
                message = f"links to {target}, which this build does not publish"
                hint = "a draft or an article dated in the future: the link will not work yet"
                problems.append(Problem(entry.path, message, line, hint, severity="warning"))
            else:
                problems.append(
                    Problem(entry.path, f"links to {target}, which does not exist", line,
                            hint="fix the link's path, relative to this file's folder")
                )  # fmt: skip
    return problems


def _unknown_templates(site: Site, config: Config, templates: Collection[str]) -> list[Problem]:
    """A problem for each content file whose `template:` is not one of the site's templates."""
    problems = []
    choices = ", ".join(sorted(name for name in templates if not name.startswith("_")))
    for entry in (*site.entries, *site.pages):
        if entry.template and entry.template not in templates:
            problems.append(
                Problem(
                    entry.path,
                    f"template {entry.template!r} is not one of the site's templates",
                    line=field_line(config.site_dir, entry.path, "template"),
                    hint=f"add templates/{entry.template}, or use one of: {choices}",
                )
            )
    return problems


def _archive(
    site: Site, config: Config, times: Times, stories: Mapping[date, tuple[StoryGroup, ...]]
) -> list[Page]:
    """Year, month and day pages, the archive of every month."""
    pages: list[Page] = []
    said = words(config)
    days = [day for month in site.months for day in month.days]
    # A day's neighbours are linked by date alone: their counts are not this day's news.
    links = {day.day: DayLink(day.day, None) for day in days}
    for year in site.years:
        pages.append(
            Page(
                "year",
                year.url,
                YearContext(_year_link(year)),
                str(year.year),
                said.ngettext(
                    "%(num)d article in %(year)s",
                    "%(num)d articles in %(year)s",
                    year.count,
                    year=year.year,
                ),
                modified=_newest(times, (p for m in year.months for p in m.paths)),
            )
        )
        for month in year.months:
            label = said.month_and_year(month.first_day)
            pages += _paginated(
                "month",
                month.url,
                said.heading(label),
                said.gettext("Articles of %(month)s", month=label),
                month.paths,
                config,
                partial(_month_context, month),
                times,
            )
    for index, day in enumerate(days):
        label = said.long_date(day.day)
        older = links[days[index + 1].day] if index + 1 < len(days) else None
        newer = links[days[index - 1].day] if index > 0 else None
        # Paginated by story: each story is listed once, by its newest report of the day.
        groups = {group.paths[0]: group for group in stories[day.day]}
        pages += [
            replace(page, modified=_newest(times, page.context.listed()))
            for page in _paginated(
                "day",
                day.url,
                said.heading(label),
                said.gettext("The digest of %(day)s", day=label),
                tuple(groups),
                config,
                partial(_day_context, day, older, newer, groups),
                times,
            )
        ]
    pages.append(
        Page(
            "archive",
            "archive/",
            ArchiveContext(tuple(_year_link(year) for year in site.years)),
            said.gettext("Archive"),
            said.gettext("Every month of the digest"),
            modified=_newest_entry(site),
        )
    )
    pages.append(
        Page(
            "topics",
            "topics/",
            TopicsContext(tuple(_topic_link(topic) for topic in site.topics)),
            said.gettext("Topics"),
            said.gettext("Every topic of the digest"),
            modified=_newest_entry(site),
        )
    )
    return pages


def _home(site: Site, config: Config, times: Times) -> Page:
    days = [day for month in site.months for day in month.days][: config.home_days]
    busiest = sorted(site.topics, key=lambda t: (-t.count, t.slug))[:HOME_TOPICS]
    context = HomeContext(
        days=tuple((day.day, day.paths) for day in days),
        # The sidebar: the busiest topics, and the latest months.
        top_topics=tuple(_topic_link(topic) for topic in busiest),
        months=tuple(_month_link(month) for month in site.months[:HOME_MONTHS]),
        stories=story_groups([path for day in days for path in day.paths], site.stories),
    )
    modified = _newest(times, (path for day in days for path in day.paths))
    return Page(
        "home", "", context, config.title, config.description or config.title, modified=modified
    )


def paginate(
    paths: tuple[str, ...], per_page: int, first_url: str
) -> list[tuple[str, tuple[str, ...], Links]]:
    """A list's pages, newest first, as (URL, paths, links); see this module's docstring."""
    sealed = max(0, len(paths) // per_page - 1)

    def url_of(number: int) -> str:
        return f"{first_url}page/{number}/"

    newest = len(paths) - sealed * per_page
    pages = [(first_url, paths[:newest], Links(0, None, url_of(sealed) if sealed else None))]
    for number in range(sealed, 0, -1):
        start = len(paths) - number * per_page
        newer = first_url if number == sealed else url_of(number + 1)
        older = url_of(number - 1) if number > 1 else None
        pages.append((url_of(number), paths[start : start + per_page], Links(number, newer, older)))
    return pages


def _paginated(
    kind: PageKind,
    url: str,
    title: str,
    description: str,
    paths: tuple[str, ...],
    config: Config,
    context: Callable[[tuple[str, ...], Links], Context],
    times: Times,
    origin: str = "",
) -> list[Page]:
    pages = []
    said = words(config)
    for page_url, items, links in paginate(paths, config.per_page, url):
        heading = (
            title
            if links.number == 0
            else said.gettext("%(title)s (page %(number)s)", title=title, number=links.number)
        )
        pages.append(
            Page(
                kind,
                page_url,
                context(items, links),
                heading,
                description,
                origin=origin,
                modified=_newest(times, items),
            )
        )
    return pages


def _links(shown: Iterable[Entry], urls: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The URL of each published file the texts of these entries link to."""
    found = {target: urls[target] for entry in shown for target in entry.links if target in urls}
    return tuple(sorted(found.items())) if found else ()


def _feeds(site: Site, config: Config) -> list[Page]:
    """The site's Atom and JSON feeds, and an Atom feed per topic, author and source."""
    count = config.feeds.entries
    full = config.feeds.full_content
    urls = {entry.path: entry.url for entry in (*site.entries, *site.pages)}
    by_path = {entry.path: entry for entry in site.entries}

    def links(paths: Iterable[str]) -> tuple[tuple[str, str], ...]:
        return _links((by_path[path] for path in paths), urls) if full else ()

    said = words(config)
    newest = tuple(entry.path for entry in site.entries[:count])
    main = FeedContext(
        config.title, config.description, "feed.xml", "", newest, full, links(newest)
    )
    json_main = FeedContext(
        config.title, config.description, "feed.json", "", newest, full, links(newest)
    )
    pages = [
        Page("atom", main.self_url, main, main.title, main.description),
        Page("json_feed", json_main.self_url, json_main, main.title, main.description),
    ]
    for topic in site.topics:
        feed = FeedContext(
            said.gettext("%(name)s · %(site)s", name=topic.name, site=config.title),
            topic.description,
            f"{topic.url}feed.xml",
            topic.url,
            topic.paths[:count],
            full,
            links(topic.paths[:count]),
        )
        pages.append(
            Page("atom", feed.self_url, feed, feed.title, feed.description,
                 origin=f"topic {topic.name!r}")
        )  # fmt: skip
    groups: list[tuple[str, Author | Outlet, str]] = [
        ("author", author, config.author_settings(author.name).bio) for author in site.authors
    ]
    groups += [
        ("source", outlet, config.source_settings(outlet.name).description)
        for outlet in site.outlets
    ]
    for kind, group, description in groups:
        feed = FeedContext(
            said.gettext("%(name)s · %(site)s", name=group.name, site=config.title),
            description,
            f"{group.url}feed.xml",
            group.url,
            group.paths[:count],
            full,
            links(group.paths[:count]),
        )
        pages.append(
            Page("atom", feed.self_url, feed, feed.title, feed.description,
                 origin=f"{kind} {group.name!r}")
        )  # fmt: skip
    return pages


def _in_story(context: ArticleContext, site: Site) -> ArticleContext:
    """An article page that names its story and lists the story's other reports (which its
    related articles then leave out)."""
    story = site.stories[context.path]
    reports = tuple(path for path in story.paths if path != context.path)
    related = tuple(path for path in context.related if path not in reports)
    return replace(context, related=related, story=story.id, reports=reports)


def _editions(
    site: Site, config: Config, times: Times, stories: Mapping[date, tuple[StoryGroup, ...]]
) -> list[Page]:
    """Each day's edition: the e-mail's HTML as a web page, and its plain text."""
    pages: list[Page] = []
    said = words(config)
    for day in site.days:
        context = _edition_of(day.day, stories[day.day], config)
        label = said.long_date(day.day)
        title = said.gettext("Edition of %(day)s", day=label)
        modified = _newest(times, day.paths)
        pages += [
            Page("edition", f"{day.url}edition/", context, title,
                 said.gettext("The e-mail edition of %(day)s", day=label), modified=modified),
            Page("edition_text", f"{day.url}edition.txt", context, title,
                 said.gettext("The e-mail edition of %(day)s as plain text", day=label),
                 modified=modified),
        ]  # fmt: skip
    return pages


def edition_context(
    site: Site, config: Config, day: date, limit: int | None = None
) -> EditionContext:
    """A day's edition: its stories as its day page lists them, the first `limit` of them."""
    found = next((d for d in site.days if d.day == day), None)
    groups = story_groups(found.paths, site.stories)[:limit] if found else ()
    return _edition_of(day, groups, config)


def _edition_of(day: date, groups: tuple[StoryGroup, ...], config: Config) -> EditionContext:
    label = day_label(day, config)
    settings = config.edition
    return EditionContext(
        day, groups, label, subject(config, day), settings.header, settings.footer
    )


def _opml(pages: Sequence[Page], config: Config) -> Page:
    """feeds.opml: every Atom feed planned so far (the site's, each topic's, and any other)."""
    feeds = tuple(
        (page.title, page.url, getattr(page.context, "page_url", ""))
        for page in pages
        if page.kind == "atom"
    )
    context = OpmlContext(f"{config.title}: every feed", feeds)
    return Page("opml", "feeds.opml", context, context.title, "Every feed of the site")


def news_window(entries: Iterable[Entry], now: datetime) -> tuple[str, ...]:
    """The articles of the last two days by the clock (Google News' rule), newest first."""
    since = now - NEWS_WINDOW
    found = sorted(
        (
            (entry.published, entry.path)
            for entry in entries
            if since <= entry.published <= now and entry.kind == ARTICLE
        ),
        reverse=True,
    )
    return tuple(path for _, path in found[:NEWS_LIMIT])


def _sitemaps(site: Site, config: Config, pages: Sequence[Page], now: datetime) -> list[Page]:
    """sitemap.xml over every HTML page but the 404 and, unless the site wants them, the pages
    of content/pages/ (an index past 50,000), news, robots."""
    left_out = {"not_found"} | (set() if config.pages.sitemap else {"page"})
    entries = [
        SitemapEntry(page.url, page.modified)
        for page in pages
        if page.is_html and page.kind not in left_out
    ]
    parts = split_sitemap(entries)
    documents = [
        Page("news_sitemap", "news-sitemap.xml", NewsSitemapContext(news_window(site.entries, now)),
             "News sitemap"),
        Page("robots", "robots.txt", Plain(), "robots.txt"),
    ]  # fmt: skip
    if len(parts) == 1:
        return [Page("sitemap", "sitemap.xml", SitemapContext(parts[0]), "Sitemap"), *documents]
    index = Page("sitemap_index", "sitemap.xml", SitemapIndexContext(tuple(parts)), "Sitemap index")
    return [
        index,
        *(
            Page("sitemap", part_url(number), SitemapContext(part), "Sitemap")
            for number, part in enumerate(parts, start=1)
        ),
        *documents,
    ]


# The sealed pages of a list leave counts out: a count shown there would change on every new
# article and send every page of the list to be rendered and uploaded again.


def _topic_context(topic: Topic, items: tuple[str, ...], links: Links) -> TopicContext:
    return TopicContext(_topic_link(topic, counted=links.number == 0), items, links)


def _author_context(
    author: Author, config: Config, items: tuple[str, ...], links: Links
) -> AuthorContext:
    return AuthorContext(author_link(author, config, counted=links.number == 0), items, links)


def _source_context(
    outlet: Outlet, config: Config, items: tuple[str, ...], links: Links
) -> SourceContext:
    return SourceContext(source_link(outlet, config, counted=links.number == 0), items, links)


def _month_context(month: Month, items: tuple[str, ...], links: Links) -> MonthContext:
    return MonthContext(_month_link(month, counted=links.number == 0), items, links)


def _day_context(
    day: Day,
    older: DayLink | None,
    newer: DayLink | None,
    groups: Mapping[str, StoryGroup],
    leads: tuple[str, ...],
    links: Links,
) -> DayContext:
    """A page of a day, listing stories by their leads (each story's newest report)."""
    return DayContext(
        DayLink(day.day, day.count if links.number == 0 else None),
        tuple(path for lead in leads for path in groups[lead].paths),
        links,
        older,
        newer,
        tuple(groups[lead] for lead in leads),
    )


def _topic_link(topic: Topic, counted: bool = True) -> TopicLink:
    return TopicLink(topic.name, topic.slug, topic.description, topic.count if counted else None)


def author_link(author: Author, config: Config, counted: bool = True) -> AuthorLink:
    settings = config.author_settings(author.name)
    count = author.count if counted else None
    return AuthorLink(author.name, author.slug, settings.bio, settings.url, settings.photo, count)


def source_link(outlet: Outlet, config: Config, counted: bool = True) -> SourceLink:
    settings = config.source_settings(outlet.name)
    count = outlet.count if counted else None
    return SourceLink(outlet.name, outlet.slug, settings.description, settings.url, count)


def _month_link(month: Month, counted: bool = True) -> MonthLink:
    if not counted:
        return MonthLink(month.year, month.month, None, None)
    return MonthLink(month.year, month.month, month.count, len(month.days))


def _year_link(year: Year) -> YearLink:
    return YearLink(year.year, year.count, tuple(_month_link(month) for month in year.months))


def _newest(times: Times, paths: Iterable[str]) -> datetime | None:
    return max(map(times.__getitem__, paths), default=None)


def _newest_entry(site: Site) -> datetime | None:
    return max((entry.modified for entry in site.entries), default=None)


def _problems(
    site: Site,
    pages: Sequence[Page],
    static: Sequence[Asset],
    assets: Sequence[Asset],
    reserved: Sequence[str] = (),
    renditions: Sequence[Rendition] = (),
) -> list[Problem]:
    """Every output file claimed twice, naming both claimants; topics, authors and sources
    with no URL or one URL."""
    problems: list[Problem] = []
    clashing: set[str] = set()
    groups: list[tuple[str, str, Sequence[Topic | Author | Outlet]]] = [
        ("topic", "topics", site.topics),
        ("author", "authors", site.authors),
        ("source", "sources", site.outlets),
    ]
    for kind, table, members in groups:
        problems += _group_problems(kind, table, members, clashing)
    claims: dict[str, tuple[str, str]] = {}  # output file: who claimed it, how to name it

    def claim(file: str, who: str, label: str, clash: str) -> None:
        """`clash` begins the message, which ends with the other claimant's label."""
        other = claims.setdefault(file, (who, label))
        if other[0] != who:
            problems.append(Problem(who, clash + other[1]))

    for page in pages:
        if page.origin in clashing:
            continue
        who = page.origin or f"the {page.kind.replace('_', ' ')} page"
        if page.kind == "redirect":
            label = f"the alias /{page.url} in {who}"
            claim(page.file, who, label, f"alias /{page.url} is also the URL of ")
        else:
            claim(page.file, who, who, f"{page.url or '/'} is also the URL of ")
    copied = [(asset.url, asset.source, "") for asset in (*static, *assets)]
    copied += [(r.url, r.source, f" (its copy {r.width} px wide)" if r.width else "")
               for r in renditions]  # fmt: skip
    for url, source, what in copied:
        who = source.as_posix()
        claim(url, who, who + what, f"{url} is also written by ")
        for folder in reserved:
            if url.startswith(folder):
                problems.append(
                    Problem(who, f"{url} is in {folder}, where the search index is written")
                )
    # Static files of the site override the theme's on purpose; only report real clashes.
    return problems


def _group_problems(
    kind: str, table: str, members: Sequence[Topic | Author | Outlet], clashing: set[str]
) -> list[Problem]:
    """Names of one kind that share a URL (one message per clash, not one per page of it),
    and names that give no URL at all."""
    problems = []
    ordered = sorted(members, key=lambda m: (m.slug, m.name))
    for slug, group in groupby(ordered, key=lambda m: m.slug):
        same = sorted(group, key=lambda m: m.name)
        if slug and len(same) > 1:
            clashing.update(f"{kind} {member.name!r}" for member in same)
            used = ", ".join(
                f"{member.name!r} ({', '.join(sorted(member.paths)[:3])}"
                + (f" and {member.count - 3} more" if member.count > 3 else "")
                + ")"
                for member in same
            )
            problems.append(
                Problem(
                    min(same[-1].paths),
                    f"{table} {used} {'both' if len(same) == 2 else 'all'} have the URL "
                    f"{table}/{slug}/",
                    hint=f"rename one, or give one its own URL in pyproject.toml: "
                    f'[tool.newsdigest.{table}."{same[-1].name}"] slug = "..."',
                )
            )
    for member in members:
        if not member.slug:
            problems.append(
                Problem(
                    min(member.paths),
                    f"{kind} {member.name!r} gives an empty URL",
                    hint=f"use a {kind} name with latin letters or digits, or give it a slug "
                    f'in pyproject.toml: [tool.newsdigest.{table}."{member.name}"] slug = "..."',
                )
            )
    return problems
