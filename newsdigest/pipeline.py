"""build(): load, stop on problems, model, plan, render, write, report."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from newsdigest.articles import Asset, Selection
from newsdigest.config import Config
from newsdigest.content import list_static, load_articles
from newsdigest.errors import BuildFailed, Problem, errors_in
from newsdigest.memo import ArticleMemo, PageMemo, inputs_digest
from newsdigest.output import Staging, guard_output
from newsdigest.pages import plan_pages
from newsdigest.render import render_pages
from newsdigest.search import index_articles
from newsdigest.site import make_site
from newsdigest.theme import fingerprinted, theme_static


@dataclass(frozen=True, slots=True)
class BuildOptions:
    selection: Selection = field(default_factory=Selection)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    search: bool = True  # build the Pagefind index over the article pages
    progress: Callable[[int, int], None] | None = None  # told (pages done, pages) as it goes
    # Content-hashed names for CSS and JS; the dev server keeps plain names to swap CSS live.
    fingerprint: bool = True


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    warnings: tuple[Problem, ...]


def build(config: Config, options: BuildOptions = BuildOptions()) -> BuildReport:
    """Build the site into the output folder, or raise BuildFailed and leave it untouched."""
    started = time.perf_counter()
    guard_output(
        config.output_path,
        config.site_dir,
        (config.content_dir, config.templates_dir, config.static_dir),
    )
    article_memo = ArticleMemo(config)
    articles, assets, problems = load_articles(config, options.selection, article_memo)
    if errors_in(problems):
        raise BuildFailed(problems)
    static: list[Asset] = list_static(config, theme_static())
    asset_names: dict[str, str] = {}
    if options.fingerprint:
        static, asset_names = fingerprinted(static)
    page_memo = PageMemo(config, config.output_path, asset_names)
    inputs = inputs_digest(
        article_memo, articles, [*assets, *static], (options.search, options.fingerprint)
    )
    if page_memo.nothing_changed(inputs):
        return BuildReport(
            articles=len(articles),
            pages=page_memo.old_page_count,
            written=0,
            unchanged=len(page_memo.old_files),
            removed=0,
            seconds=time.perf_counter() - started,
            warnings=tuple(problems),
        )
    site = make_site(articles, config)
    plan, plan_problems = plan_pages(site, config, assets, static)
    problems += plan_problems
    if errors_in(problems):
        raise BuildFailed(problems)
    to_render = [page for page in plan.pages if not page_memo.unchanged(page)]
    staging = Staging(config.output_path)
    staging.start()
    try:
        rendered = render_pages(
            to_render, config, staging, options.jobs, options.progress, asset_names
        )
        if rendered.problems:
            raise BuildFailed([*problems, *rendered.problems])
        changed = set(rendered.changed)
        changed.update(copy.url for copy in plan.copies if staging.copy(copy.url, copy.source))
        planned = {page.file for page in plan.pages} | {copy.url for copy in plan.copies}
        if options.search:
            articles_pages = [page.file for page in plan.pages if page.kind == "article"]
            search = index_articles(articles_pages, changed, staging, config)
            if errors_in(list(search.problems)):
                raise BuildFailed([*problems, *search.problems])
            problems += search.problems
            planned |= search.files
            changed |= search.changed
        written = staging.commit(planned, changed)
    except BaseException:
        staging.abort()
        raise
    page_memo.record(planned, len(plan.pages))
    article_memo.save()
    page_memo.save()
    return BuildReport(
        articles=len(articles),
        pages=len(plan.pages),
        written=written.written,
        unchanged=written.unchanged,
        removed=written.removed,
        seconds=time.perf_counter() - started,
        warnings=tuple(problems),
    )
