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
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsdigest import __version__
from newsdigest.articles import PAGE, Article, Asset, Entry, Picture, Selection, Source
from newsdigest.bundles import OpenedBundle
from newsdigest.cache import (
    BuildState,
    ImageCache,
    Output,
    load_state,
    lock_file,
    save_state,
    state_key,
)
from newsdigest.changes import article_digests, fingerprint, pages_to_render, readers
from newsdigest.config import Config
from newsdigest.content import asset_of, list_static, read_article, scan_content
from newsdigest.contexts import ArticleContext
from newsdigest.errors import BuildFailed, Problem, UsageError, errors_in
from newsdigest.moves import gone_urls
from newsdigest.output import (
    Transaction,
    WriteReport,
    check_owner,
    guard_output,
    locked,
    scan_output,
)
from newsdigest.pages import Page, Plan, news_window, plan_pages
from newsdigest.photos import make_renditions
from newsdigest.pictures import Gallery, pictures_of, split_assets
from newsdigest.render import PageRenderer, render_pages
from newsdigest.search import (
    BUNDLE,
    Member,
    Partition,
    open_ahead,
    plan_partitions,
    update_index,
)
from newsdigest.site import Site, make_site
from newsdigest.theme import fingerprinted, template_digests, theme_static
from newsdigest.workers import in_background


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
    standalone: int = 0  # of `articles`, the pages of content/pages/ (no date, no feeds)


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
    # The output folder is scanned beside the reading and planning, which need no output.
    with in_background(lambda: _scan(config, options), options.jobs) as outputs:
        inputs = read_inputs(config, options, state, changed)
        if _nothing_to_do(options, state, inputs, outputs):
            return _report_nothing(inputs, state, started), state
        structure = plan_site(config, state, inputs)
        work = pick_work(config, state, inputs, structure, outputs())
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
    articles: Mapping[str, Article]  # the articles this build includes, by path
    entries: dict[str, Entry]  # their entries, by path
    assets: tuple[Asset, ...]  # files beside the articles
    theme: Theme
    copies: dict[str, str]  # each static file's and asset's fingerprint, by URL
    news: tuple[str, ...]  # the articles of the news sitemap (pages.news_window)
    now: datetime
    problems: list[Problem]  # warnings only: errors stop the build here
    touched: frozenset[str]  # content files whose source is not the state's (read again)
    release: datetime | None  # when the next article held back as future is due
    digest: str  # of all that but the articles: equal, and untouched, means nothing to do
    pictures: Mapping[str, Picture] = field(default_factory=dict)  # images, by URL (pictures.py)
    # A digest of the included paths in order: worked out again only when `entries` is not the
    # last build's dict (the dev server's edits of a body keep it: sorting costs 2 ms).
    listing: str = ""

    @property
    def unchanged(self) -> bool:
        return not self.touched


def read_inputs(
    config: Config, options: BuildOptions, state: BuildState, changed: Iterable[Path] | None
) -> Inputs:
    """Every input, read or taken from the state; only the named paths when the last build's
    inputs are at hand (the dev server), else every file's signature is looked at."""
    now = options.selection.now or build_time(config)
    previous: Inputs | None = state.inputs_then
    if changed is not None and previous is not None and not _due(previous, now):
        return _updated_inputs(config, options, state, previous, set(changed), now)
    sources, problems = scan_content(config, state.sources, changed, options.jobs)
    sources = {path: _with_digests(source) for path, source in sources.items()}
    touched = frozenset(
        {path for path, source in sources.items() if state.sources.get(path) is not source}
        | (state.sources.keys() - sources.keys())
    )
    entries, release = _included(sources, options.selection, now)
    assets = tuple(asset_of(path, config) for path, s in sources.items() if _is_asset(path, s))
    theme = _theme_inputs(config, options, state)
    problems += _problems_of(sources.values())
    return _inputs_from(
        config, sources, entries, assets, theme, now, problems, touched, release,
        pictures=pictures_of(sources),
    )  # fmt: skip


def _updated_inputs(
    config: Config,
    options: BuildOptions,
    state: BuildState,
    previous: Inputs,
    changed: set[Path],
    now: datetime,
) -> Inputs:
    """The last build's inputs with the changed paths read again: the dev server's way,
    which costs what the change costs, not what the site costs."""
    content = {path for path in changed if path.is_relative_to(config.content_dir)}
    sources, problems = scan_content(config, state.sources, content)
    touched = frozenset(_touched(state.sources, sources, content, config))
    for path in touched & sources.keys():
        sources[path] = _with_digests(sources[path])
    entries, release = _still_included(previous, sources, touched, options.selection, now)
    assets, pictures = previous.assets, previous.pictures
    if any(_is_asset(path, sources.get(path)) or path not in sources for path in touched):
        assets = tuple(asset_of(path, config) for path, s in sources.items() if _is_asset(path, s))
        pictures = pictures_of(sources)
    theme = previous.theme
    if changed - content:  # static files or templates: look at them all again (few)
        theme = _theme_inputs(config, options, state)
    problems += _problems_of(sources.values())
    kept = entries is previous.entries
    return _inputs_from(
        config, sources, entries, assets, theme, now, problems, touched, release,
        previous.news if kept else None, pictures, previous.listing if kept else None,
    )  # fmt: skip


def _inputs_from(
    config: Config,
    sources: dict[str, Source],
    entries: dict[str, Entry],
    assets: tuple[Asset, ...],
    theme: Theme,
    now: datetime,
    problems: list[Problem],
    touched: frozenset[str],
    release: datetime | None,
    news: tuple[str, ...] | None = None,
    pictures: Mapping[str, Picture] | None = None,
    listing: str | None = None,
) -> Inputs:
    problems = [*problems, *theme.problems]
    if errors_in(problems):
        raise BuildFailed(problems)
    copies = {
        copy.url: _copy_fingerprint(copy, sources, config) for copy in (*theme.static, *assets)
    }
    news = news_window(entries.values(), now) if news is None else news
    material = [theme.render_key, repr(sorted(theme.templates.items()))]
    if not listing:  # by path: a build that read some files again met them in another order
        names = "\0".join(sorted(entries)).encode("utf-8", "surrogatepass")
        listing = hashlib.sha1(names).hexdigest()
    material += [repr(sorted(copies.items())), repr(news), listing]
    digest = hashlib.sha1("\0".join(material).encode("utf-8", "surrogatepass")).hexdigest()
    return Inputs(
        sources,
        Articles(sources, entries, config),
        entries,
        assets,
        theme,
        copies,
        news,
        now,
        problems,
        touched,
        release,
        digest,
        {} if pictures is None else pictures,
        listing,
    )


def _included(
    sources: Mapping[str, Source], selection: Selection, now: datetime
) -> tuple[dict[str, Entry], datetime | None]:
    """The entries of the articles this build includes, and when the next one held back as
    future is due (a build after that moment must look at all of them again)."""
    entries: dict[str, Entry] = {}
    release: datetime | None = None
    for path, source in sources.items():
        entry = source.entry
        if entry is None:
            continue
        if selection.includes(entry, now):
            entries[path] = entry
        elif not entry.draft or selection.drafts:
            release = entry.published if release is None else min(release, entry.published)
    return entries, release


def _still_included(
    previous: Inputs,
    sources: Mapping[str, Source],
    touched: frozenset[str],
    selection: Selection,
    now: datetime,
) -> tuple[dict[str, Entry], datetime | None]:
    """The last build's included entries with the touched files' taken again: the very same
    dict when none of them changed its entry, so that comparing with it costs nothing."""
    entries = previous.entries
    changed = False
    for path in touched:
        source = sources.get(path)
        entry = source.entry if source is not None else None
        keep = entry is not None and selection.includes(entry, now)
        before = entries.get(path)
        if before is not None and before == entry and keep:
            source.entry = before  # type: ignore[union-attr]  # the same, so the very same
        elif before is not (entry if keep else None):
            changed = True
    if not changed:
        return entries, previous.release
    return _included(sources, selection, now)


def _due(previous: Inputs, now: datetime) -> bool:
    """Whether time alone changed what a build includes since `previous` was read."""
    return previous.release is not None and previous.release <= now


def _touched(
    before: Mapping[str, Source], after: Mapping[str, Source], paths: set[Path], config: Config
) -> set[str]:
    """The content files below the changed paths whose source is no longer the state's."""
    found: set[str] = set()
    for path in paths:
        name = path.relative_to(config.site_dir).as_posix()
        if name in before or name in after:
            keys = [name]
        else:  # a folder, there or gone: what was or is below it (rare, so a full look)
            keys = [key for key in before.keys() | after.keys() if key.startswith(name + "/")]
        found.update(key for key in keys if before.get(key) is not after.get(key))
    return found


def _is_asset(path: str, source: Source | None) -> bool:
    return source is not None and source.entry is None and not path.lower().endswith(".md")


@dataclass(frozen=True, slots=True)
class Theme:
    """What the templates and static files give every page."""

    static: tuple[Asset, ...]
    asset_names: dict[str, str]  # plain name -> content-hashed name, when fingerprinted
    templates: dict[str, str]  # each template's digest (theme.template_digests)
    render_key: str  # what every page depends on besides its own inputs
    problems: tuple[Problem, ...]  # warnings about static files


def _theme_inputs(config: Config, options: BuildOptions, state: BuildState) -> Theme:
    static, problems = list_static(config, theme_static())
    static, asset_names = fingerprinted(static) if options.fingerprint else (static, {})
    key = _render_key(config, asset_names)
    templates = template_digests(config, state.templates)
    return Theme(tuple(static), asset_names, templates, key, tuple(problems))


def _problems_of(sources: Iterable[Source]) -> list[Problem]:
    """Every source's problems (a warning per file and line, errors stop the build)."""
    return [problem for source in sources for problem in source.problems]


class Articles(Mapping[str, Article]):
    """The articles a build includes, by path, each decoded from the cache when first asked
    for (see Source), or read from its file again when the cache cannot give it."""

    def __init__(
        self, sources: Mapping[str, Source], included: Mapping[str, Entry], config: Config
    ):
        self._sources = sources
        self._included = included
        self._config = config

    def __getitem__(self, path: str) -> Article:
        if path not in self._included:
            raise KeyError(path)
        try:
            article = self._sources[path].article
        except (ValueError, TypeError, LookupError):  # a damaged row in the cache
            article = None
        if article is None:
            article, _ = read_article(self._config.site_dir / path, self._config)
        if article is None:  # the file is as it was when it read well: not the cache's fault
            raise LookupError(f"{path} cannot be read again")
        return article

    def __iter__(self) -> Iterator[str]:
        return iter(self._included)

    def __len__(self) -> int:
        return len(self._included)


def _scan(config: Config, options: BuildOptions) -> dict[str, tuple[int, int]] | None:
    """Every file of the output folder with its size and time; None when not verifying."""
    return scan_output(config.output_path) if options.verify else None


def _nothing_to_do(
    options: BuildOptions,
    state: BuildState,
    inputs: Inputs,
    scanned: Callable[[], Mapping[str, tuple[int, int]] | None],
) -> bool:
    """The fast way out of a build with nothing changed: the same inputs as the last build,
    and every file it wrote still there as it wrote it, with nothing else beside them."""
    if not inputs.unchanged or inputs.digest != state.inputs or not state.outputs:
        return False
    if options.search and state.search.get("pending") == "yes":
        return False
    outputs = scanned()
    if outputs is None:
        return True
    return len(outputs) == len(state.outputs) and all(
        outputs.get(file) == (record.size, record.mtime_ns)
        for file, record in state.outputs.items()
    )


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
class PlanIndex:
    """What builds ask of a plan again and again, worked out once per plan."""

    files: frozenset[str]  # every page's and copy's output file
    pages: dict[str, Page]  # by output file
    partitions: tuple[Partition, ...]  # of the search index (none without search)
    readers: Mapping[str, set[str]] | None = None  # who shows each article, once it is asked


def index_plan(plan: Plan, site: Site, search: bool) -> PlanIndex:
    pages = {page.file: page for page in plan.pages}
    entries = {entry.path: entry for entry in (*site.entries, *site.pages)}
    members = (
        Member(file, page.url, entries[page.context.path].published)
        for file, page in sorted(pages.items())
        if page.indexed and isinstance(page.context, ArticleContext)
    )
    partitions = plan_partitions(members) if search else ()
    copies = {copy.url for copy in plan.copies} | {made.url for made in plan.renditions}
    return PlanIndex(frozenset(pages) | copies, pages, partitions)


def with_readers(state: BuildState) -> BuildState:
    """The state with its plan's index of which pages show each article (changes.readers):
    what a build after an edit of one article looks up. The dev server works it out when
    edits pause, so that the next edit does not wait for it (0.3-0.5 s at 10,000 articles)."""
    index: PlanIndex | None = state.index
    if index is None or index.readers is not None or state.plan is None:
        return state
    found = readers(state.plan.pages)
    return dataclasses.replace(state, index=dataclasses.replace(index, readers=found))


@dataclass(frozen=True, slots=True)
class Structure:
    """The site's structure and the plan made from it."""

    site: Site
    plan: Plan
    index: PlanIndex
    reused: bool  # the last build's plan, as no article changed its place
    problems: tuple[Problem, ...]


def plan_site(config: Config, state: BuildState, inputs: Inputs) -> Structure:
    previous: Inputs | None = state.inputs_then
    assets, renditions = split_assets(inputs.assets, inputs.pictures)  # images: pictures.py
    copies = (*inputs.theme.static, *assets)
    if (
        state.site is not None
        and state.plan is not None
        and state.index is not None
        and previous is not None
        and inputs.entries == previous.entries
        and inputs.news == previous.news
        and copies == state.plan.copies
        and inputs.pictures == previous.pictures
    ):
        # The second build from one plan: worth an index of who shows each article.
        index = with_readers(state).index
        return Structure(state.site, state.plan, index, True, ())
    site = make_site(inputs.entries.values(), config, _previous(state))
    plan, problems = plan_pages(
        site,
        config,
        assets,
        inputs.theme.static,
        inputs.now,
        inputs.theme.templates,
        inputs.sources.keys(),
        renditions,
    )
    if errors_in(problems):
        raise BuildFailed([*inputs.problems, *problems])
    index = index_plan(plan, site, config.search)
    # Addresses the last build published that went (moves.py).
    every = {path: source.entry for path, source in inputs.sources.items() if source.entry}
    problems += gone_urls(state.published, every, index.files)
    return Structure(site, plan, index, False, tuple(problems))


@dataclass(frozen=True, slots=True)
class Work:
    """What this build renders and writes, and what it knows about the output folder."""

    to_render: tuple[Page, ...]
    fingerprints: dict[str, str]  # of the pages it looked at, and every copy's
    present: frozenset[str]  # the files in the output folder now
    intact: Callable[[str], bool]  # a file is still as the state says it was written
    renderer: PageRenderer


def pick_work(
    config: Config,
    state: BuildState,
    inputs: Inputs,
    structure: Structure,
    outputs: Mapping[str, tuple[int, int]] | None,
) -> Work:
    present = frozenset(outputs) if outputs is not None else frozenset(state.outputs)
    if outputs is not None:
        known = set(structure.index.files) | _bundle(present)
        check_owner(config.output_path, present, set(state.outputs), known)
    theme = inputs.theme

    intact = _intact(state.outputs, outputs)
    sources = inputs.sources
    candidates = None
    then = state.inputs_then
    # A picture's size is on every page that shows it: when one changed, look at every page.
    same_pictures = then is None or then.pictures == inputs.pictures
    if outputs is None and state.render_key == theme.render_key and same_pictures:
        if structure.reused:
            candidates = _candidates(structure, state, inputs)
        elif state.index is not None:
            candidates = _changed_pages(structure, state, inputs)
    pictures = inputs.pictures
    gallery = Gallery(pictures, config)
    key = theme.render_key + gallery.common
    to_render, fingerprints = pages_to_render(
        structure.plan.pages,
        lambda page: fingerprint(page, sources, theme.templates, key, pictures),
        state.outputs,
        intact,
        None if candidates is None else [structure.index.pages[file] for file in candidates],
    )
    fingerprints.update(inputs.copies)
    fingerprints.update({made.url: made.fingerprint for made in structure.plan.renditions})
    renderer = state.renderer
    if (
        not isinstance(renderer, PageRenderer)
        or state.render_key != theme.render_key
        or state.templates != theme.templates
    ):
        renderer = PageRenderer(config, theme.asset_names)
    renderer.show(gallery)
    return Work(tuple(to_render), fingerprints, present, intact, renderer)


def _intact(
    records: Mapping[str, Output], outputs: Mapping[str, tuple[int, int]] | None
) -> Callable[[str], bool]:
    """Whether an output file is still as the last build wrote it: by its size and time when
    the output folder was looked at, else as the state says (the dev server's rebuilds, where
    the search index asks it of thousands of files: a lookup at C speed)."""
    if outputs is None:
        return records.__contains__

    def intact(file: str) -> bool:
        record = records.get(file)
        return record is not None and outputs.get(file) == (record.size, record.mtime_ns)

    return intact


@dataclass(frozen=True, slots=True)
class Written:
    report: WriteReport
    rendered: int  # pages
    copied: int  # files copied as they are
    files: frozenset[str]  # every file of the new site
    bundle: frozenset[str]  # those of the search index
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
    opened: dict[tuple[str, int], OpenedBundle | None] = {}

    def meanwhile() -> None:  # while the workers render
        if config.search and options.search:
            opened.update(_open_ahead(config, state, structure, work))

    try:
        rendered = render_pages(
            work.to_render,
            inputs.articles,
            work.renderer,
            transaction,
            options.jobs,
            options.progress,
            meanwhile,
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
        made, failed = _write_renditions(config, options, state, structure, work, transaction)
        if failed:
            raise BuildFailed([*problems, *failed])
        copied += made
        bundle, search, search_problems = _search(
            config, options, state, structure, set(rendered.changed), transaction, work, opened
        )
        problems += search_problems
        if errors_in(list(search_problems)):
            raise BuildFailed(problems)
        files = structure.index.files | bundle
        report = transaction.commit(files, work.present)
    except BaseException:
        transaction.abort()
        raise
    return Written(report, len(work.to_render), copied, files, bundle, search, tuple(problems))


def _write_renditions(
    config: Config,
    options: BuildOptions,
    state: BuildState,
    structure: Structure,
    work: Work,
    transaction: Transaction,
) -> tuple[int, tuple[Problem, ...]]:
    """Make the copies of images whose source changed or whose file is not as written
    (photos.py): how many were made, and the problems of images that cannot be."""
    due = [
        made
        for made in structure.plan.renditions
        if not (
            (recorded := state.outputs.get(made.url))
            and recorded.fingerprint == work.fingerprints[made.url]
            and work.intact(made.url)
        )
    ]
    if not due:
        return 0, ()
    made = make_renditions(due, ImageCache(config), transaction, config.site_dir, options.jobs)
    return len(due), made.problems


def _search(
    config: Config,
    options: BuildOptions,
    state: BuildState,
    structure: Structure,
    changed: set[str],
    transaction: Transaction,
    work: Work,
    opened: dict[tuple[str, int], OpenedBundle | None],
) -> tuple[frozenset[str], dict[str, str], tuple[Problem, ...]]:
    """The search index's files in the new site, its bookkeeping, and its problems.

    The article pages are split into partitions by date (search.plan_partitions); a partition
    is indexed again when one of its pages changed, appeared or went since it was last indexed,
    or one of its files is not as written; the others keep their bundles.
    """
    if not config.search:
        return frozenset(), {}, ()
    index = update_index(
        structure.index.partitions,
        state.search,
        _bundle_files(state),
        changed,
        work.intact,
        transaction,
        options.search,
        options.cancelled,
        opened=opened,
    )
    return index.files, index.record, index.problems


def _open_ahead(
    config: Config, state: BuildState, structure: Structure, work: Work
) -> dict[tuple[str, int], OpenedBundle | None]:
    """The search bundles this build will likely change in place, decoded while the workers
    render (search.open_ahead): 0.25-0.3 s for the newest partition at 10,000 articles."""
    return open_ahead(
        structure.index.partitions,
        state.search,
        _bundle_files(state),
        work.intact,
        config.output_path,
        {page.file for page in work.to_render},
    )


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
    return BuildState(key=key, outputs=outputs, published=state.published if state else {})


def _inputs(config: Config) -> tuple[Path, ...]:
    return (config.content_dir, config.templates_dir, config.static_dir)


def _with_digests(source: Source) -> Source:
    if source.entry is None or source.digests[0]:
        return source
    assert source.article is not None  # just read: an entry comes with its article
    return source.with_digests(article_digests(source.article))


def _previous(state: BuildState) -> dict[str, tuple[Entry, tuple[str, ...]]]:
    """What the last build worked out about each article, for make_site to reuse."""
    previous = {}
    for path, related in state.related.items():
        source = state.sources.get(path)
        entry = source.entry if source is not None else None
        if entry is None:
            continue
        previous[path] = (entry, related)
    return previous


def _news_of(plan: Plan) -> tuple[str, ...]:
    for page in plan.pages:
        if page.kind == "news_sitemap":
            return page.context.listed()
    return ()


def _candidates(structure: Structure, state: BuildState, inputs: Inputs) -> set[str]:
    """The pages that can have changed when the plan is the last build's: those that show an
    article that changed, and those whose template changed."""
    index = structure.index.readers or {}
    found: set[str] = set()
    for path in inputs.touched:
        found |= index.get(path, set())
    old = state.templates or {}
    changed = {name for name, digest in inputs.theme.templates.items() if old.get(name) != digest}
    if changed:
        found |= {page.file for page in structure.plan.pages if page.template in changed}
    return found


def _changed_pages(structure: Structure, state: BuildState, inputs: Inputs) -> set[str]:
    """With a new plan made beside the last one (the dev server's), the pages that can have
    changed: those not in the last plan or not equal to their page there, those that show an
    article that changed, and those whose template changed. Comparing pages costs less than
    working out every page's fingerprint."""
    before = state.index.pages if state.index is not None else {}
    touched = inputs.touched
    old = state.templates or {}
    templates = {name for name, digest in inputs.theme.templates.items() if old.get(name) != digest}
    found = set()
    for file, page in structure.index.pages.items():
        context = page.context
        if (
            before.get(file) != page
            or page.template in templates
            or (touched and not touched.isdisjoint((*context.listed(), *context.in_full())))
        ):
            found.add(file)
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


def _bundle(files: Collection[str]) -> frozenset[str]:
    return frozenset(file for file in files if file.startswith(f"{BUNDLE}/"))


def _bundle_files(state: BuildState) -> frozenset[str]:
    """The search index's files the last build left (kept in the state by the dev server)."""
    return _bundle(state.outputs) if state.bundle is None else state.bundle


def _standalone(inputs: Inputs, site: Site | None) -> int:
    """How many of the entries are pages of content/pages/: the site model has them apart
    (counting them again is 5 ms of a dev server's 20-40 ms rebuild at 10,000 articles)."""
    if site is not None:
        return len(site.pages)
    return sum(entry.kind == PAGE for entry in inputs.entries.values())


def _report_nothing(inputs: Inputs, state: BuildState, started: float) -> BuildReport:
    return BuildReport(
        articles=len(inputs.entries),
        standalone=_standalone(inputs, state.site),
        pages=state.pages,
        written=0,
        unchanged=len(state.outputs),
        removed=0,
        seconds=time.perf_counter() - started,
        warnings=tuple(inputs.problems),
    )


def _report(
    inputs: Inputs, structure: Structure, work: Work, written: Written, started: float
) -> BuildReport:
    return BuildReport(
        articles=len(inputs.entries),
        standalone=_standalone(inputs, structure.site),
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
    """What this build leaves for the next: the last state with what this one changed."""
    outputs = dict(state.outputs)
    for file in outputs.keys() - written.files:  # stale, or found and removed
        del outputs[file]
    for file, (size, mtime) in written.report.stats.items():
        outputs[file] = Output(work.fingerprints.get(file, "search"), size, mtime)
    return BuildState(
        key=state.key,
        sources=inputs.sources,
        outputs=outputs,
        related=state.related if structure.reused else structure.site.related(),
        search=written.search,
        bundle=written.bundle,
        inputs=inputs.digest,
        pages=len(structure.plan.pages),
        site=structure.site,
        plan=structure.plan,
        index=structure.index,
        inputs_then=inputs,
        templates=inputs.theme.templates,
        render_key=inputs.theme.render_key,
        renderer=work.renderer,
        published=state.published
        if structure.reused
        else {path: entry.url for path, entry in inputs.entries.items()},
    )
