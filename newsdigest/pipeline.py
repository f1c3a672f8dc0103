"""build(): read, stop on problems, model, plan, pick the pages to render, render, write, report.

One engine for both commands. `newsdigest build` loads the last `BuildState` from the cache,
calls `build` once and saves the state it returns; `serve` keeps the state in memory and calls
`build` again with the paths the watcher saw. Given a state, a build reads only the content
files whose signature changed (or that the watcher named), reuses the last plan while no
article changed its place in the site, and renders only the pages whose declared inputs
changed (changes.py). Without a state it does all of that from scratch; the output is the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsdigest import __version__
from newsdigest.articles import Article, Asset, Selection, Source
from newsdigest.cache import BuildState, Output, load_state, lock_file, save_state, state_key
from newsdigest.changes import article_digests, fingerprint, pages_to_render, readers
from newsdigest.config import Config
from newsdigest.content import asset_of, list_static, scan_content
from newsdigest.contexts import ArticleContext
from newsdigest.errors import BuildFailed, Problem, UsageError, errors_in
from newsdigest.output import (
    Transaction,
    WriteReport,
    check_owner,
    guard_output,
    locked,
    scan_output,
)
from newsdigest.pages import Page, Plan, news_window, plan_pages
from newsdigest.render import PageRenderer, render_pages
from newsdigest.search import BUNDLE, Member, plan_partitions, update_index
from newsdigest.site import Entry, Site, entry_of, make_site
from newsdigest.theme import fingerprinted, template_digests, theme_static


@dataclass(frozen=True, slots=True)
class BuildOptions:
    selection: Selection = field(default_factory=Selection)
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    # Index the article pages for search in this build; False leaves the current index as it is
    # and reports it pending (the dev server indexes after the reload, in the background).
    search: bool = True
    progress: Callable[[int, int], None] | None = None  # told (pages done, pages) as it goes
    # Content-hashed names for CSS and JS; the dev server keeps plain names to swap CSS live.
    fingerprint: bool = True
    # Look at every file in the output folder: repairs files changed by hand, removes strays.
    # The dev server, the only writer of its folder, looks on its first build only.
    verify: bool = True
    cancelled: Callable[[], bool] = lambda: False  # asked while indexing: stop, a newer edit came


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    warnings: tuple[Problem, ...]
    rendered: int = 0  # pages rendered (their bytes may still be what the output holds)
    copied: int = 0  # static files and files beside articles copied
    search_pending: bool = False  # article pages changed and the index was left for later


def build(
    config: Config,
    options: BuildOptions | None = None,
    state: BuildState | None = None,
    changed: Iterable[Path] | None = None,
) -> tuple[BuildReport, BuildState]:
    """Build the site into the output folder, or raise BuildFailed and leave it untouched.

    `changed`: the paths that changed since `state` was made (None: look at every file).
    """
    options = options or BuildOptions()
    started = time.perf_counter()
    guard_output(config.output_path, config.site_dir, _inputs(config))
    state = _fitting(state, config)
    inputs = read_inputs(config, options, state, changed)
    structure = plan_site(config, state, inputs)
    work = pick_work(config, options, state, inputs, structure)
    written = write_site(config, options, state, inputs, structure, work)
    return _report(inputs, structure, work, written, started), _next_state(
        state, inputs, structure, work, written
    )


def publish(
    config: Config, options: BuildOptions | None = None, waiting: Callable[[], None] = lambda: None
) -> BuildReport:
    """`newsdigest build`: one build with the state the cache keeps, saving the new one.

    Builds of a site into one output folder take turns (`waiting` is told when this one
    must wait for another); the cache and the output folder are never written by two at once.
    """
    with locked(lock_file(config), waiting):
        state = load_state(config)
        report, new_state = build(config, options, state)
        warning = save_state(config, state, new_state)
    if warning is not None:
        report = dataclasses.replace(report, warnings=(*report.warnings, warning))
    return report


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the site folder holds now, read or taken from the state."""

    sources: dict[str, Source]  # every content file, by site-relative path
    articles: dict[str, Article]  # the articles this build includes, by path
    assets: tuple[Asset, ...]  # files beside the articles
    static: tuple[Asset, ...]
    asset_names: dict[str, str]
    now: datetime
    problems: list[Problem]  # warnings only: errors stop the build here


def read_inputs(
    config: Config, options: BuildOptions, state: BuildState, changed: Iterable[Path] | None
) -> Inputs:
    sources, problems = scan_content(config, state.sources, changed)
    sources = {path: _with_digests(source) for path, source in sources.items()}
    now = options.selection.now or build_time(config)
    articles: dict[str, Article] = {}
    assets: list[Asset] = []
    for path, source in sources.items():
        problems += source.problems
        if source.article is not None:
            if options.selection.includes(source.article, now):
                articles[path] = source.article
        elif not path.lower().endswith(".md"):
            assets.append(asset_of(path, config))
    static, static_problems = list_static(config, theme_static())
    problems += static_problems
    if errors_in(problems):
        raise BuildFailed(problems)
    static, asset_names = fingerprinted(static) if options.fingerprint else (static, {})
    return Inputs(sources, articles, tuple(assets), tuple(static), asset_names, now, problems)


def build_time(config: Config) -> datetime:
    """Now, or the moment SOURCE_DATE_EPOCH names, so that a build can be reproduced later.

    It decides which future articles are included and what the news sitemap holds.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return datetime.now(config.tz)
    try:
        return datetime.fromtimestamp(int(epoch), config.tz)
    except (ValueError, OverflowError, OSError) as error:
        raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a number of seconds") from error


@dataclass(frozen=True, slots=True)
class Structure:
    """The site's structure and the plan made from it."""

    site: Site
    plan: Plan
    entries: dict[str, Entry]  # the included articles' entries, by path
    reused: bool  # the last build's plan, as no article changed its place
    problems: tuple[Problem, ...]
    readers: Mapping[str, set[str]] | None = None  # with a reused plan: who shows each article


def plan_site(config: Config, state: BuildState, inputs: Inputs) -> Structure:
    entries = _entries(inputs, state)
    copies = (*inputs.static, *inputs.assets)
    if (
        state.site is not None
        and state.plan is not None
        and entries == state.entries
        and copies == state.plan.copies
        and _news_of(state.plan) == news_window(state.site, inputs.now)
    ):
        index = state.readers if state.readers is not None else readers(state.plan.pages)
        return Structure(state.site, state.plan, entries, True, (), index)
    site = make_site(entries.values(), config, _previous(state))
    plan, problems = plan_pages(site, config, inputs.assets, inputs.static, inputs.now)
    if errors_in(problems):
        raise BuildFailed([*inputs.problems, *problems])
    return Structure(site, plan, entries, False, tuple(problems))


@dataclass(frozen=True, slots=True)
class Work:
    """What this build renders and writes, and what it knows about the output folder."""

    to_render: tuple[Page, ...]
    fingerprints: dict[str, str]  # every planned page's and copy's
    planned: frozenset[str]  # the pages and copies (the search index adds its own)
    present: frozenset[str]  # the files in the output folder now
    intact: Callable[[str], bool]  # a file is still as the state says it was written
    templates: dict[str, str]
    render_key: str
    renderer: PageRenderer


def pick_work(
    config: Config, options: BuildOptions, state: BuildState, inputs: Inputs, structure: Structure
) -> Work:
    outputs = scan_output(config.output_path) if options.verify else None
    present = frozenset(outputs) if outputs is not None else frozenset(state.outputs)
    plan = structure.plan
    planned = frozenset({page.file for page in plan.pages} | {copy.url for copy in plan.copies})
    check_owner(config.output_path, present, set(state.outputs), set(planned) | _bundle(present))
    templates = template_digests(config)
    render_key = _render_key(config, inputs.asset_names)

    def intact(file: str) -> bool:
        record = state.outputs.get(file)
        if record is None or outputs is None:
            return record is not None
        return outputs.get(file) == (record.size, record.mtime_ns)

    digests = {path: inputs.sources[path].digests for path in inputs.articles}
    candidates = None
    if structure.reused and outputs is None and state.render_key == render_key:
        candidates = _candidates(structure, state, inputs, templates)
    to_render, fingerprints = pages_to_render(
        plan.pages,
        lambda page: fingerprint(page, digests, templates, render_key),
        {file: record.fingerprint for file, record in state.outputs.items()},
        intact,
        candidates,
    )
    for copy in plan.copies:
        fingerprints[copy.url] = _copy_fingerprint(copy, inputs.sources, config)
    renderer = state.renderer
    if (
        not isinstance(renderer, PageRenderer)
        or state.render_key != render_key
        or any(templates.get(name) != digest for name, digest in (state.templates or {}).items())
        or set(templates) != set(state.templates or {})
    ):
        renderer = PageRenderer(config, inputs.asset_names)
    return Work(
        tuple(to_render), fingerprints, planned, present, intact, templates, render_key, renderer
    )


@dataclass(frozen=True, slots=True)
class Written:
    report: WriteReport
    rendered: int  # pages
    copied: int  # files copied as they are
    files: frozenset[str]  # every file of the new site
    search: dict[str, str]  # the search index's bookkeeping for the state
    problems: tuple[Problem, ...]


def write_site(
    config: Config,
    options: BuildOptions,
    state: BuildState,
    inputs: Inputs,
    structure: Structure,
    work: Work,
) -> Written:
    """Render, copy and index into a transaction, and commit it: all or nothing."""
    transaction = Transaction(config.output_path)
    transaction.start()
    try:
        rendered = render_pages(
            work.to_render,
            inputs.articles,
            work.renderer,
            transaction,
            options.jobs,
            options.progress,
        )
        problems = [*inputs.problems, *structure.problems]
        if rendered.problems:
            raise BuildFailed([*problems, *rendered.problems])
        copied = 0
        for copy in structure.plan.copies:
            recorded = state.outputs.get(copy.url)
            fingerprint_same = recorded and recorded.fingerprint == work.fingerprints[copy.url]
            if fingerprint_same and work.intact(copy.url):
                continue
            copied += 1
            transaction.copy(copy.url, copy.source)
        bundle, search, search_problems = _search(
            config, options, state, structure, set(rendered.changed), transaction, work
        )
        problems += search_problems
        if errors_in(list(search_problems)):
            raise BuildFailed(problems)
        files = work.planned | bundle
        report = transaction.commit(set(files), work.present)
    except BaseException:
        transaction.abort()
        raise
    return Written(report, len(work.to_render), copied, files, search, tuple(problems))


def _search(
    config: Config,
    options: BuildOptions,
    state: BuildState,
    structure: Structure,
    changed: set[str],
    transaction: Transaction,
    work: Work,
) -> tuple[frozenset[str], dict[str, str], tuple[Problem, ...]]:
    """The search index's files in the new site, its bookkeeping, and its problems.

    The article pages are split into partitions by date (search.plan_partitions); a partition
    is indexed again when one of its pages changed, appeared or went since it was last indexed,
    or one of its files is not as written; the others keep their bundles.
    """
    if not config.search:
        return frozenset(), {}, ()
    members = [
        Member(page.file, page.url, structure.entries[page.context.path].published)
        for page in structure.plan.pages
        if page.kind == "article" and isinstance(page.context, ArticleContext)
    ]
    index = update_index(
        plan_partitions(members),
        state.search,
        _bundle(state.outputs),
        changed,
        work.intact,
        transaction,
        options.search,
        options.cancelled,
    )
    return index.files, index.record, index.problems


def _fitting(state: BuildState | None, config: Config) -> BuildState:
    """The state if it was made with these settings; else an empty one that still knows
    which files of the output folder are newsdigest's."""
    key = state_key(config)
    if state is not None and state.key == key:
        return state
    outputs = {
        file: dataclasses.replace(record, fingerprint="")
        for file, record in (state.outputs if state else {}).items()
    }
    return BuildState(key=key, outputs=outputs)


def _inputs(config: Config) -> tuple[Path, ...]:
    return (config.content_dir, config.templates_dir, config.static_dir)


def _with_digests(source: Source) -> Source:
    if source.article is None or source.digests[0]:
        return source
    return dataclasses.replace(source, digests=article_digests(source.article))


def _entries(inputs: Inputs, state: BuildState) -> dict[str, Entry]:
    """Each included article's entry; the last build's very objects where nothing changed,
    so that comparing with them is quick."""
    old = state.entries or {}
    entries = {}
    for path, article in inputs.articles.items():
        before = old.get(path)
        known = state.sources.get(path)
        unchanged = before is not None and known is not None and known.article is article
        entries[path] = before if unchanged else entry_of(article)  # type: ignore[assignment]
    return entries


def _previous(state: BuildState) -> dict[str, tuple[Entry, tuple[str, ...]]]:
    """What the last build worked out about each article, for make_site to reuse."""
    previous = {}
    for path, related in state.related.items():
        entry = (state.entries or {}).get(path)
        if entry is None:
            source = state.sources.get(path)
            if source is None or source.article is None:
                continue
            entry = entry_of(source.article)
        previous[path] = (entry, related)
    return previous


def _news_of(plan: Plan) -> tuple[str, ...]:
    for page in plan.pages:
        if page.kind == "news_sitemap":
            return page.context.listed()
    return ()


def _candidates(
    structure: Structure, state: BuildState, inputs: Inputs, templates: Mapping[str, str]
) -> set[str]:
    """The pages that can have changed when the plan is the last build's: those that show an
    article that changed, and those whose template changed."""
    index = structure.readers or {}
    found: set[str] = set()
    for path, source in inputs.sources.items():
        if state.sources.get(path) is not source:
            found |= index.get(path, set())
    old = state.templates or {}
    changed = {name for name, digest in templates.items() if old.get(name) != digest}
    if changed:
        found |= {page.file for page in structure.plan.pages if page.template in changed}
    return found


def _copy_fingerprint(copy: Asset, sources: Mapping[str, Source], config: Config) -> str:
    name = (
        copy.source.relative_to(config.site_dir).as_posix()
        if copy.source.is_relative_to(config.site_dir)
        else copy.source.as_posix()
    )
    source = sources.get(name)
    if source is not None and source.signature is not None:
        signature = source.signature
    else:
        try:
            stat = copy.source.stat()
        except OSError:
            return ""
        signature = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return f"copy\0{copy.source}\0{signature}"


def _render_key(config: Config, asset_names: Mapping[str, str]) -> str:
    """What every page depends on besides its own inputs."""
    material = repr((__version__, dataclasses.astuple(config), sorted(asset_names.items())))
    return hashlib.sha1(material.encode("utf-8", "surrogatepass")).hexdigest()


def _bundle(files: Collection[str]) -> set[str]:
    return {file for file in files if file.startswith(f"{BUNDLE}/")}


def _report(
    inputs: Inputs, structure: Structure, work: Work, written: Written, started: float
) -> BuildReport:
    return BuildReport(
        articles=len(inputs.articles),
        pages=len(structure.plan.pages),
        rendered=written.rendered,
        copied=written.copied,
        written=written.report.written,
        unchanged=written.report.unchanged,
        removed=written.report.removed,
        seconds=time.perf_counter() - started,
        warnings=written.problems,
        search_pending=written.search.get("pending") == "yes",
    )


def _next_state(
    state: BuildState, inputs: Inputs, structure: Structure, work: Work, written: Written
) -> BuildState:
    outputs = {}
    stats = written.report.stats
    for file in written.files:
        if file in stats:
            size, mtime = stats[file]
            outputs[file] = Output(work.fingerprints.get(file, "search"), size, mtime)
        elif file in state.outputs:
            outputs[file] = state.outputs[file]
    return BuildState(
        key=state.key,
        sources=inputs.sources,
        outputs=outputs,
        related=structure.site.related(),
        search=written.search,
        site=structure.site,
        plan=structure.plan,
        entries=structure.entries,
        readers=structure.readers,
        templates=work.templates,
        render_key=work.render_key,
        renderer=work.renderer,
    )
