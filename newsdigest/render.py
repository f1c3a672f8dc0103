"""Render the planned pages through Jinja, over several processes, into the staging folder."""

from __future__ import annotations

import multiprocessing
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup

from newsdigest.articles import Article
from newsdigest.config import Config
from newsdigest.content import read_body
from newsdigest.errors import Problem
from newsdigest.feeds import atom, json_feed
from newsdigest.markdown import MarkdownRenderer
from newsdigest.output import Staging
from newsdigest.pages import Page
from newsdigest.sitemap import news_sitemap, robots, sitemap_index, urlset
from newsdigest.theme import base_path, make_environment

# Below this many pages, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
BATCH_SIZE = 250


@dataclass(frozen=True, slots=True)
class RenderResult:
    changed: tuple[str, ...]
    problems: tuple[Problem, ...]


class PageRenderer:
    """Turns a Page into bytes: one Jinja environment and one Markdown instance per process."""

    def __init__(self, config: Config, asset_names: dict[str, str] | None = None) -> None:
        self.config = config
        self.environment: Environment = make_environment(config, asset_names)
        self.markdown = MarkdownRenderer(config, base_path(config.base_url))

    def body_html(self, article: Article) -> Markup:
        """The article's HTML; it enters Jinja here, once, as Markup, never as a template."""
        html = self.markdown.render(
            article.body_hash,
            article.asset_dir,
            lambda: read_body(self.config, article),
            sanitize=article.sanitize,
        )
        return Markup(html)

    def render(self, page: Page) -> bytes:
        if not page.is_html:
            return self.document(page)
        context = dict(page.context, page=page)
        if page.kind == "article":
            context["body"] = self.body_html(page.context["article"])
        template = self.environment.get_template(page.template)
        return template.render(context).encode("utf-8")

    def document(self, page: Page) -> bytes:
        """A feed, sitemap or robots.txt: written in Python, escaped in one place."""
        config = self.config
        content = self.body_html if config.feeds.full_content else None
        match page.kind:
            case "atom":
                return atom(page.context["feed"], config, content)
            case "json_feed":
                return json_feed(page.context["feed"], config, content)
            case "sitemap":
                return urlset(page.context["entries"], config)
            case "sitemap_index":
                return sitemap_index(page.context["parts"], config)
            case "news_sitemap":
                return news_sitemap(page.context["articles"], config)
            case "robots":
                return robots(config)
        raise ValueError(f"no writer for {page.kind!r}")


def render_pages(
    pages: Sequence[Page],
    config: Config,
    staging: Staging,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    asset_names: dict[str, str] | None = None,
) -> RenderResult:
    """Render every page into staging; which files changed, and every template problem."""
    # A new renderer per build: Jinja's cache would keep serving a theme template after the
    # site adds an override of the same name. Forked workers inherit this one.
    renderer = PageRenderer(config, asset_names)

    def work(batch: tuple[int, int]) -> RenderResult:
        changed: list[str] = []
        problems: list[Problem] = []
        for page in pages[batch[0] : batch[1]]:
            try:
                data = renderer.render(page)
            except RENDER_ERRORS as error:
                problems.append(page_problem(error, page, config))
                continue
            if staging.put(page.file, data):
                changed.append(page.file)
        return RenderResult(tuple(changed), tuple(problems))

    results: list[RenderResult] = []
    for result in in_batches(work, len(pages), jobs):
        results.append(result)
        if progress:
            progress(min(len(results) * BATCH_SIZE, len(pages)), len(pages))
    changed = tuple(file for result in results for file in result.changed)
    problems = tuple(dict.fromkeys(p for result in results for p in result.problems))
    return RenderResult(changed, problems)


T = TypeVar("T")
_WORK: Callable[[tuple[int, int]], Any] | None = None


def in_batches(work: Callable[[tuple[int, int]], T], count: int, jobs: int) -> Iterator[T]:
    """work((start, stop)) over batches of `count` pages, in order: in this process for small
    sites, else over forked workers, which inherit `work` and all it uses instead of receiving
    them pickled."""
    batches = [(start, min(start + BATCH_SIZE, count)) for start in range(0, count, BATCH_SIZE)]
    if jobs <= 1 or count < PARALLEL_THRESHOLD:
        yield from map(work, batches)
        return
    global _WORK
    _WORK = work
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_ignore_interrupts) as pool:
            yield from pool.imap(_run_work, batches, chunksize=1)
    finally:
        _WORK = None


def _run_work(batch: tuple[int, int]) -> Any:
    assert _WORK is not None
    return _WORK(batch)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# What rendering a page can fail with, each reported as a problem naming the page's source.
RENDER_ERRORS = (TemplateError, OSError, RecursionError)


def page_problem(error: Exception, page: Page, config: Config) -> Problem:
    """The problem to report for an error out of RENDER_ERRORS."""
    if isinstance(error, TemplateError):
        return template_problem(error, page, config)
    origin = page.origin or page.url
    if isinstance(error, OSError):
        return Problem(origin, f"cannot read: {error.strerror}")
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
