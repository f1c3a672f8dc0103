"""Render the planned pages through Jinja, over several processes, into the staging folder."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, TemplateError, TemplateNotFound, TemplateSyntaxError
from markupsafe import Markup

from newsdigest.config import Config
from newsdigest.content import Article, read_body
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
    global _RENDERER
    # A new renderer per build: Jinja's cache would keep serving a theme template after the
    # site adds an override of the same name. Forked workers inherit this one.
    _RENDERER = PageRenderer(config, asset_names)
    batches = [
        (start, min(start + BATCH_SIZE, len(pages))) for start in range(0, len(pages), BATCH_SIZE)
    ]
    results: list[RenderResult] = []
    if jobs <= 1 or len(pages) < PARALLEL_THRESHOLD:
        for start, stop in batches:
            results.append(_render_batch(pages, config, staging, start, stop))
            if progress:
                progress(stop, len(pages))
    else:
        global _SHARED
        # Workers are forked: they inherit the plan instead of receiving it pickled.
        _SHARED = (pages, config, staging)
        context = multiprocessing.get_context("fork")
        try:
            with context.Pool(jobs) as pool:
                for result in pool.imap(_render_shared_batch, batches, chunksize=1):
                    results.append(result)
                    if progress:
                        progress(min(len(results) * BATCH_SIZE, len(pages)), len(pages))
        finally:
            _SHARED = None
    changed = tuple(file for result in results for file in result.changed)
    problems = tuple(dict.fromkeys(p for result in results for p in result.problems))
    return RenderResult(changed, problems)


_SHARED: tuple[Sequence[Page], Config, Staging] | None = None
_RENDERER: PageRenderer | None = None


def _render_shared_batch(batch: tuple[int, int]) -> RenderResult:
    start, stop = batch
    assert _SHARED is not None
    pages, config, staging = _SHARED
    return _render_batch(pages, config, staging, start, stop)


def _render_batch(
    pages: Sequence[Page], config: Config, staging: Staging, start: int, stop: int
) -> RenderResult:
    if _RENDERER is None:
        raise RuntimeError("render_pages() sets up the renderer")
    changed: list[str] = []
    problems: list[Problem] = []
    for page in pages[start:stop]:
        try:
            data = _RENDERER.render(page)
        except TemplateError as error:
            problems.append(template_problem(error, page, config))
            continue
        except OSError as error:
            origin = page.origin or page.url
            problems.append(Problem(origin, f"cannot read: {error.strerror}"))
            continue
        except RecursionError:
            origin = page.origin or page.url
            problems.append(Problem(origin, "too deeply nested to render", hint="flatten it"))
            continue
        if staging.put(page.file, data):
            changed.append(page.file)
    return RenderResult(tuple(changed), tuple(problems))


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
