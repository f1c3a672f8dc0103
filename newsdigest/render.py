"""Render the planned pages through Jinja, over several processes, into the transaction."""

from __future__ import annotations

import contextlib
import posixpath
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup

from newsdigest.articles import Article
from newsdigest.config import Config
from newsdigest.content import read_body
from newsdigest.contexts import (
    ArticleContext,
    Articles,
    EditionContext,
    FeedContext,
    NewsSitemapContext,
    OpmlContext,
    RedirectContext,
    RedirectsContext,
    SitemapContext,
    SitemapIndexContext,
)
from newsdigest.edition import edition_text, inline_css
from newsdigest.errors import Problem
from newsdigest.feeds import Entries, Feed, atom, json_feed
from newsdigest.limits import TimeLimitExceeded
from newsdigest.markdown import MarkdownRenderer
from newsdigest.opml import opml
from newsdigest.output import Transaction
from newsdigest.pages import Page
from newsdigest.pictures import Gallery, with_sizes
from newsdigest.redirects import redirect_page, redirects_file
from newsdigest.sitemap import news_sitemap, robots, sitemap_index, urlset
from newsdigest.theme import base_path, make_environment
from newsdigest.workers import Batch, in_batches


@dataclass(frozen=True, slots=True)
class RenderResult:
    changed: tuple[str, ...]  # staged: their bytes differ from the output's
    kept: tuple[str, ...]  # rendered to the bytes the output already holds
    problems: tuple[Problem, ...]


class PageRenderer:
    """Turns a Page into bytes: one Jinja environment and one Markdown instance per process."""

    def __init__(self, config: Config, asset_names: dict[str, str] | None = None) -> None:
        self.config = config
        self.gallery = Gallery({}, config)
        self.environment: Environment = make_environment(config, asset_names, self.gallery)
        self.markdown = MarkdownRenderer(config, base_path(config.base_url))
        self.entries = Entries()

    def show(self, gallery: Gallery) -> None:
        """The site's images for this build: their sizes and copies (pictures.py)."""
        self.gallery.use(gallery.pictures)

    def body_html(
        self, article: Article, links: Mapping[str, str] | None = None, responsive: bool = True
    ) -> Markup:
        """The article's HTML; it enters Jinja here, once, as Markup, never as a template.

        The file is read here, once: the text rendered is the text the cache files it under.
        `links` gives the URL of each content file the text links to. Images of the site get
        their size there, and on pages (not in feeds) their copies.
        """
        body = read_body(self.config.site_dir, article.path)
        html = self.markdown.render(
            body,
            article.asset_dir,
            sanitize=article.sanitize,
            folder=posixpath.dirname(article.path),
            links=links,
        )
        return Markup(with_sizes(html, self.gallery, responsive))

    def feed_html(self, article: Article, links: Mapping[str, str] | None = None) -> str:
        return str(self.body_html(article, links, responsive=False))

    def compile(self, templates: Iterable[str]) -> None:
        """Compile these templates now, so that forked workers inherit them compiled instead
        of each compiling its own. One that fails is left to the pages that use it to report."""
        for name in sorted(templates):
            with contextlib.suppress(TemplateError):
                self.environment.get_template(name)

    def render(self, page: Page, articles: Articles) -> bytes:
        if not page.is_html:
            return self.document(page, articles)
        context = page.context.values(articles)
        if isinstance(shown := page.context, ArticleContext):
            article = context["article"]
            page = replace(page, title=article.title, description=article.summary)
            context["body"] = self.body_html(article, dict(shown.body_links))
        context["page"] = page
        template = self.environment.get_template(page.template)
        html = template.render(context)
        if isinstance(page.context, EditionContext):
            html = inline_css(html)  # as mail clients need it
        return html.encode("utf-8")

    def document(self, page: Page, articles: Articles) -> bytes:
        """A feed, sitemap or robots.txt: written in Python, escaped in one place."""
        config = self.config
        context = page.context
        match context:
            case FeedContext():
                feed = Feed(
                    context.title,
                    context.description,
                    context.self_url,
                    context.page_url,
                    tuple(articles[path] for path in context.items),
                )
                links = dict(context.body_links)
                content = (lambda a: self.feed_html(a, links)) if context.full_content else None
                if page.kind == "json_feed":
                    return json_feed(feed, config, content, self.gallery)
                return atom(feed, config, content, self.entries, self.gallery)
            case SitemapContext():
                return urlset(context.entries, config)
            case SitemapIndexContext():
                return sitemap_index(context.parts, config)
            case NewsSitemapContext():
                return news_sitemap([articles[path] for path in context.items], config)
            case RedirectContext():
                return redirect_page(context.target, articles[context.path].title, config)
            case RedirectsContext():
                return redirects_file(context.rules, config)
            case EditionContext():
                return edition_text(context.edition(articles), config).encode("utf-8")
            case OpmlContext():
                return opml(context.title, context.feeds, config)
        if page.kind == "robots":
            return robots(config)
        raise ValueError(f"no writer for {page.kind!r}")


def render_pages(
    pages: Sequence[Page],
    articles: Articles,
    renderer: PageRenderer,
    transaction: Transaction,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], None] = lambda: None,
) -> RenderResult:
    """Render every page into the transaction; which files changed, and every problem.
    `meanwhile()` is called once while worker processes render (workers.in_batches).

    Feeds come last, after the article pages have put each body's HTML into the cache, so a
    body in a full-text feed is taken from there rather than rendered a second time.
    """
    config = renderer.config
    renderer.compile({page.template for page in pages if page.is_html})
    phases = (
        [page for page in pages if not isinstance(page.context, FeedContext)],
        [page for page in pages if isinstance(page.context, FeedContext)],
    )

    def work(batch: Batch) -> RenderResult:
        changed: list[str] = []
        kept: list[str] = []
        problems: list[Problem] = []
        phase, start, stop = batch
        for page in phases[phase][start:stop]:
            try:
                data = renderer.render(page, articles)
            except RENDER_ERRORS as error:
                problems.append(page_problem(error, page, config))
                continue
            (changed if transaction.put(page.file, data) else kept).append(page.file)
        return RenderResult(tuple(changed), tuple(kept), tuple(problems))

    done = 0
    changed: list[str] = []
    kept: list[str] = []
    problems: list[Problem] = []
    counts = [len(phase) for phase in phases]

    def go_on() -> bool:  # feeds after article pages only if those rendered
        return not problems

    for result in in_batches(work, counts, jobs, go_on, meanwhile=meanwhile):
        done += len(result.changed) + len(result.kept) + len(result.problems)
        changed.extend(result.changed)
        kept.extend(result.kept)
        problems.extend(result.problems)
        transaction.adopt(result.changed, result.kept)  # from a worker: the parent notes
        if progress:
            progress(min(done, len(pages)), len(pages))
    return RenderResult(tuple(changed), tuple(kept), tuple(dict.fromkeys(problems)))


# What rendering a page can fail with, each reported as a problem naming the page's source.
RENDER_ERRORS = (TemplateError, OSError, RecursionError, TimeLimitExceeded)


def page_problem(error: Exception, page: Page, config: Config) -> Problem:
    """The problem to report for an error out of RENDER_ERRORS."""
    if isinstance(error, TemplateError):
        return template_problem(error, page, config)
    origin = page.origin or page.url
    if isinstance(error, OSError):
        return Problem(origin, f"cannot read: {error.strerror}")
    if isinstance(error, TimeLimitExceeded):
        return Problem(
            origin,
            f"the Markdown took longer than {error.seconds:g} s to render",
            hint="look for thousands of unclosed brackets or very long lines",
        )
    return Problem(origin, "too deeply nested to render", hint="flatten it")


def template_problem(error: TemplateError, page: Page, config: Config) -> Problem:
    """Name the template file and line where Jinja failed, not Python's frames."""
    if isinstance(error, TemplateSyntaxError):
        return Problem(
            _short(error.filename, config), f"template error: {error.message}", line=error.lineno
        )
    where, line = page.template or page.origin, None
    for frame, frame_line in reversed(list(traceback.walk_tb(error.__traceback__))):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt", ".json")):
            where, line = _short(filename, config), frame_line
            break
    if isinstance(error, TemplateNotFound):
        return Problem(
            where,
            f"template {error.name!r} not found",
            line=line,
            hint="add it to templates/ or fix the name",
        )
    return Problem(where, f"template error: {error}", line=line)


def _short(filename: str | None, config: Config) -> str:
    if not filename:
        return "templates"
    path = Path(filename)
    try:
        return path.resolve().relative_to(config.site_dir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
