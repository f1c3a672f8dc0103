"""Rebuild in the running process, touching only what a change touches (for `serve`).

The dev build keeps, between rebuilds: every content file's parsed result (keyed by path, read
again only when the watcher names it), the static files, the last page plan, which templates
each template pulls in, and, recorded while rendering, which articles each HTML page read and
which article fields each template reads. A change is sorted into a kind:

- An article edit that keeps its URL, dates, topics and inclusion (the usual edit while writing)
  patches the plan in memory, without remaking the site model: only the article's page, the
  pages that read a field that changed, and the feeds that hold the article are rendered.
- Anything else in content/ or static/ remakes the site model and the plan, and renders the
  pages whose plan entry differs from the last one (unchanged articles are the very same
  objects, so comparing is cheap), except pages whose entry differs only by holding a new
  version of an article of which they read no changed field (a topic's page 7 when an article
  on page 1 changed its title).
- A template renders the pages whose template is it or extends, includes or imports it.
- A config change, or a change the watcher could not place, rebuilds everything.

Files go through `InPlaceStaging`: pages are rendered into a pending folder first and moved
into place only when every page rendered, so a broken edit leaves the served site as it was.
The result is the same as a full build with the same options (tests compare them byte by byte),
except that stylesheets and scripts keep their plain names (a full build gives them content
hashes) so that a CSS change is one file and the browser can swap it without a reload.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import meta

from newsdigest.articles import Article, Asset, Selection
from newsdigest.config import CONFIG_FILE, Config, load_config
from newsdigest.content import is_temporary, list_static, read_article, walk_files
from newsdigest.errors import BuildFailed, Problem, errors_in
from newsdigest.output import Staging, guard_output
from newsdigest.pages import Page, plan_pages
from newsdigest.render import RENDER_ERRORS, PageRenderer, in_batches, page_problem
from newsdigest.search import Cancelled, index_articles
from newsdigest.site import Site, make_site
from newsdigest.theme import make_environment, theme_static
from newsdigest.urls import clean_url, output_file

# An article edit that changes none of these fields keeps every page in its place (but its
# own, when a new title gives it a new slug), with the same sitemap dates: the plan can be
# patched instead of made again.
STRUCTURE = ("path", "published", "updated", "topics", "draft")
# Pairs of (old, new) values already compared: alike or not, and the article versions found.
_Memo = dict[tuple[int, int], tuple[bool, dict[str, tuple[Article, Article]]]]


@dataclass(frozen=True, slots=True)
class Rebuild:
    """What one rebuild did; `kind` tells the browser how to refresh."""

    kind: str  # "reload", "css" (only stylesheets changed) or "none"
    rendered: int
    written: int
    removed: int
    seconds: float
    warnings: tuple[Problem, ...] = ()


class InPlaceStaging(Staging):
    """Stage changed files in a pending folder, then move each into the live output folder.

    Cheaper than the full build's hard-link-and-swap for a handful of files out of thousands;
    all or nothing for failed renders (nothing moves until every page rendered), though a
    process killed while moving could leave a mix, which the next full build repairs.
    """

    def commit_in_place(self, changed: Iterable[str], stale: Iterable[str]) -> int:
        moved = 0
        for relative in sorted(changed):
            target = self.output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.staging / relative, target)
            moved += 1
        for relative in sorted(stale):
            with contextlib.suppress(FileNotFoundError):
                (self.output / relative).unlink()
        shutil.rmtree(self.staging, ignore_errors=True)
        return moved


class DevBuild:
    """A site kept in memory between rebuilds, written to `output`."""

    def __init__(
        self,
        site_dir: Path,
        output: Path,
        overrides: dict[str, Any] | None = None,
        selection: Selection | None = None,
        jobs: int = 1,
    ) -> None:
        self.site_dir = site_dir.resolve()
        self.output = output
        self.overrides = {**(overrides or {}), "output_dir": str(output)}
        self.selection = selection or Selection()
        self.jobs = jobs
        self.config: Config | None = None
        self.files: dict[Path, tuple[Article | None, list[Problem]] | Asset] = {}
        self.static: list[Asset] = []
        self.site: Site | None = None
        self.touched: set[str] = set()  # content files read again since the last rebuild
        self.pages: dict[str, Page] = {}
        self.copies: dict[str, Path] = {}
        self.planned: set[str] = set()
        self.template_uses: dict[str, frozenset[str]] = {}
        self.index_pending = False
        self.reads: dict[str, frozenset[str]] = {}  # HTML page file -> paths of articles read
        self.readers: dict[str, set[str]] = {}  # article path -> HTML page files that read it
        self.fields: dict[str, set[str]] = {}  # template -> article fields its pages read
        self.holders: dict[str, set[str]] = {}  # article path -> documents that hold it
        self.renderer: RecordingRenderer | None = None
        self.clean = False  # False after a failed rebuild: the next one plans from scratch
        self.pending_templates: set[str] = set()  # templates changed since the last good build
        self.pending_copies: set[Path] = set()  # files to copy since the last good build

    # -- what changed ---------------------------------------------------------------------

    def rebuild(self, changed: set[Path] | None = None) -> Rebuild:
        """Rebuild after these files changed (None: everything); raise BuildFailed on errors."""
        started = time.perf_counter()
        if changed is None or self.config is None or self._config_changed(changed):
            return self._full(started)
        config = self.config
        content = [p for p in changed if _is_below(p, config.content_dir)]
        templates = [p for p in changed if _is_below(p, config.templates_dir)]
        static = [p for p in changed if _is_below(p, config.static_dir)]
        before = {path: self.files.get(path) for path in content}
        for path in content:
            self._refresh_content(path)
        if content and not templates and not static and self.clean:
            edits = self._field_edits(before)
            if edits is not None and self._free_urls(edits):
                return self._patch(started, edits)
        if static:
            self.static = list_static(config, theme_static())
        affected: set[str] = set()
        if templates:
            self.renderer = None  # a new Jinja environment: a template may have appeared
            names = {p.relative_to(config.templates_dir).as_posix() for p in templates}
            self.template_uses = template_uses(config)
            affected = {t for t, uses in self.template_uses.items() if uses & names}
            if any(uses is ALL for uses in self.template_uses.values()) or any(
                path == config.templates_dir or path.is_dir() for path in templates
            ):  # a folder of templates came or went: any page may use what was in it
                affected = set(self.template_uses)
        copy_sources = {p.resolve() for p in changed}
        only_css = bool(static) and not content and not templates and all(
            p.suffix == ".css" for p in static
        )  # fmt: skip
        return self._render(started, affected, copy_sources, only_css)

    def _config_changed(self, changed: set[Path]) -> bool:
        config_path = self.site_dir / CONFIG_FILE
        return any(p == config_path or p == self.site_dir for p in changed)

    def _full(self, started: float) -> Rebuild:
        config = load_config(self.site_dir, self.overrides)
        guard_output(
            config.output_path,
            config.site_dir,
            (config.content_dir, config.templates_dir, config.static_dir),
        )
        self.config = config
        self.files = {}
        self.renderer = None
        for path in walk_files(config.content_dir):
            self._refresh_content(path)
        self.static = list_static(config, theme_static())
        self.template_uses = template_uses(config)
        self.pages = {}
        self.copies = {}
        self.planned = set()
        return self._render(started, set(self.template_uses), None, only_css=False, full=True)

    def _refresh_content(self, path: Path) -> None:
        """Read one content path again: a file, a new folder, or something gone."""
        config = self.config
        assert config is not None
        if path.is_dir():
            for found in walk_files(path):
                self._refresh_content(found)
            return
        relative = path.relative_to(config.content_dir)
        if not path.is_file() or any(is_temporary(part) for part in relative.parts):
            for known in [k for k in self.files if k == path or _is_below(k, path)]:
                del self.files[known]  # deleted, or a folder moved away
                self.touched.add(known.relative_to(config.site_dir).as_posix())
            return
        self.touched.add(path.relative_to(config.site_dir).as_posix())
        if path.suffix.lower() == ".md":
            self.files[path] = read_article(path, config)
        else:
            self.files[path] = Asset(path, clean_url(relative.as_posix()))

    # -- building -------------------------------------------------------------------------

    def _render(
        self,
        started: float,
        affected_templates: set[str],
        copy_sources: set[Path] | None,
        only_css: bool,
        full: bool = False,
    ) -> Rebuild:
        config = self.config
        assert config is not None
        self.clean = False  # until this rebuild succeeds
        # What a failed rebuild did not get to render or copy is still to do.
        affected_templates = self.pending_templates = affected_templates | self.pending_templates
        if copy_sources is not None:
            copy_sources = self.pending_copies = copy_sources | self.pending_copies
        articles, assets, problems = self._selected()
        if errors_in(problems):
            raise BuildFailed(problems)
        # Articles read again since the last good model; kept until a rebuild succeeds.
        changed_articles = frozenset(self.touched)
        site = make_site(articles, config, None if full else self.site, changed_articles)
        plan, plan_problems = plan_pages(site, config, assets, self.static)
        problems += plan_problems
        if errors_in(problems):
            raise BuildFailed(problems)
        memo: _Memo = {}
        to_render = [
            page
            for page in plan.pages
            if full
            or page.template in affected_templates
            or (self.pages.get(_file(page)) != page and self._shows_change(page, memo))
        ]
        planned = {_file(page) for page in plan.pages} | {copy.url for copy in plan.copies}
        stale = set() if full else self.planned - planned - _bundle(self.planned)
        staging = Staging(self.output) if full else InPlaceStaging(self.output)
        staging.start()
        try:
            rendered = self._render_pages(to_render, staging, self.jobs if full else 1)
            if rendered.problems:
                raise BuildFailed([*problems, *rendered.problems])
            changed = set(rendered.changed)
            for copy in plan.copies:
                touched = (
                    full
                    or self.copies.get(copy.url) != copy.source
                    or (copy_sources is not None and copy.source.resolve() in copy_sources)
                )
                if touched and staging.copy(copy.url, copy.source):
                    changed.add(copy.url)
            if isinstance(staging, InPlaceStaging):
                written = staging.commit_in_place(changed, stale)
                planned |= _bundle(self.planned)
            else:
                search = index_articles(_article_files(plan.pages), changed, staging, config)
                problems += search.problems
                planned |= search.files
                changed |= search.changed
                written = staging.commit(planned, changed).written
        except BaseException:
            staging.abort()
            raise
        old_articles = set(_article_files(self.pages.values()))
        new_articles = set(_article_files(plan.pages))
        self.index_pending = not full and (
            bool(new_articles & changed) or old_articles != new_articles
        )
        self.site, self.touched = site, set()
        self.pages = {_file(page): page for page in plan.pages}
        self.copies = {copy.url: copy.source for copy in plan.copies}
        self.planned = planned
        self._remember_reads(rendered, stale, replace=full)
        self._index_holders()
        self.pending_templates, self.pending_copies = set(), set()
        self.clean = True
        kind = "none" if not changed and not stale else ("css" if only_css else "reload")
        return Rebuild(
            kind=kind,
            rendered=len(to_render),
            written=written,
            removed=len(stale),
            seconds=time.perf_counter() - started,
            warnings=tuple(problems),
        )

    # -- the fast path: an article edit that keeps the site's structure -------------------

    def _field_edits(self, before: dict[Path, Any]) -> dict[str, tuple[Article, Article]] | None:
        """Edited articles by path, or None if a change needs the site model made again."""
        now = self.selection.now or datetime.now(self.config.tz)  # type: ignore[union-attr]
        edits: dict[str, tuple[Article, Article]] = {}
        for path, old_entry in before.items():
            new_entry = self.files.get(path)
            if old_entry is new_entry:
                continue  # a temporary file, or one that was never content
            if not isinstance(old_entry, tuple) or not isinstance(new_entry, tuple):
                return None  # a new, deleted or non-Markdown file
            old, new = old_entry[0], new_entry[0]
            if old is None or new is None:
                return None  # errors: the full path reports them
            if not (self._includes(old, now) and self._includes(new, now)):
                return None
            if any(getattr(old, name) != getattr(new, name) for name in STRUCTURE):
                return None
            edits[old.path] = (old, new)
        return edits

    def _includes(self, article: Article, now: datetime) -> bool:
        if article.draft and not self.selection.drafts:
            return False
        return article.published <= now or self.selection.future

    def _free_urls(self, edits: dict[str, tuple[Article, Article]]) -> bool:
        """Whether the articles that moved (a new slug) moved to files nothing else claims."""
        moved = [(old, new) for old, new in edits.values() if old.url != new.url]
        leaving = {_page_file(old) for old, _ in moved}
        arriving = [_page_file(new) for _, new in moved]
        return len(set(arriving)) == len(arriving) and not (
            set(arriving) & (self.planned - leaving)
        )  # else the full path reports the collision, naming both files

    def _patch(self, started: float, edits: dict[str, tuple[Article, Article]]) -> Rebuild:
        """Render what an edit touches from the plan in memory; no model, no plan."""
        # Warnings in file order, as a full build lists them (few files have any).
        warned = [(path, e[1]) for path, e in self.files.items() if isinstance(e, tuple) and e[1]]
        problems = [problem for _, found in sorted(warned) for problem in found]
        current = {path: new for path, (_, new) in edits.items()}
        dirty: set[str] = set()
        for path, (old, new) in edits.items():
            names = _changed_fields(old, new)
            if not names:
                continue
            dirty.add(_page_file(old))
            dirty.update(self.holders.get(path, ()))
            if old.url != new.url:  # the sitemap lists every page's URL
                dirty.update(file for file, page in self.pages.items() if page.kind == "sitemap")
            for file in self.readers.get(path, ()):
                page = self.pages.get(file)
                if page is not None and self.fields.get(page.template, set()) & names:
                    dirty.add(file)
        moved = {old.url: new.url for old, new in edits.values() if old.url != new.url}
        memo: dict[int, Any] = {}
        pages = []
        for file in sorted(dirty & set(self.pages)):
            page = _refresh(self.pages[file], current, memo)
            if page.kind == "article" and page.origin in current:
                # The plan takes an article page's URL, title and description from the article.
                article = current[page.origin]
                page = dataclasses.replace(
                    page, url=article.url, title=article.title, description=article.summary
                )
            elif page.kind == "sitemap" and moved:
                entries = tuple(
                    dataclasses.replace(entry, url=moved[entry.url])
                    if entry.url in moved
                    else entry
                    for entry in page.context["entries"]
                )
                page = dataclasses.replace(page, context={**page.context, "entries": entries})
            pages.append(page)
        left = {_url_file(url) for url in moved}
        staging = InPlaceStaging(self.output)
        staging.start()
        try:
            rendered = self._render_pages(pages, staging, 1)
            if rendered.problems:
                raise BuildFailed([*problems, *rendered.problems])
            written = staging.commit_in_place(rendered.changed, left)
        except BaseException:
            staging.abort()
            self.clean = False
            raise
        for file in left:
            del self.pages[file]
            self._forget_reads(file)
        self.planned = (self.planned - left) | {_file(page) for page in pages}
        for page in pages:
            self.pages[_file(page)] = page
        self._remember_reads(rendered, (), replace=False)
        changed = set(rendered.changed)
        if any(self.pages[file].kind == "article" for file in changed):
            self.index_pending = True
        return Rebuild(
            kind="reload" if changed or left else "none",
            rendered=len(pages),
            written=written,
            removed=len(left),
            seconds=time.perf_counter() - started,
            warnings=tuple(problems),
        )

    # -- what a page shows ----------------------------------------------------------------

    def _shows_change(self, page: Page, memo: _Memo) -> bool:
        """Whether a page whose plan entry differs from the last one must be rendered again.

        Often the entry differs only by holding a new version of an edited article (a topic's
        page 7 holds the topic, which holds the article edited on page 1): then the page is
        rendered again only if, last time, it read a field of that article that changed.
        """
        old = self.pages.get(_file(page))
        if old is None or _file(page) not in self.reads:
            return True
        versions: dict[str, tuple[Article, Article]] = {}
        if not _same_shape(old, page, versions, memo):
            return True
        fields = self.fields.get(page.template, set())
        read = self.reads[_file(page)]
        for path, (before, after) in versions.items():
            if page.kind == "article" and page.origin == path:
                return True
            if path in read and fields & _changed_fields(before, after):
                return True
        return False

    def _render_pages(self, pages: Sequence[Page], staging: Staging, jobs: int) -> Rendered:
        """Render into staging, noting what each HTML page read; over workers when it pays."""
        config = self.config
        assert config is not None
        if self.renderer is None:
            self.renderer = RecordingRenderer(config)
        renderer = self.renderer
        total = Rendered()
        work = functools.partial(_render_batch, renderer, pages, config, staging)
        for result in in_batches(work, len(pages), jobs):
            total.changed += result.changed
            total.reads.update(result.reads)
            for template, names in result.fields.items():
                total.fields.setdefault(template, set()).update(names)
            total.problems += [p for p in result.problems if p not in total.problems]
        return total

    def _remember_reads(self, rendered: Rendered, stale: Iterable[str], replace: bool) -> None:
        if replace:
            self.reads, self.readers, self.fields = {}, {}, {}
        for file in stale:
            self._forget_reads(file)
        for file, paths in rendered.reads.items():
            self._forget_reads(file)
            self.reads[file] = paths
            for path in paths:
                self.readers.setdefault(path, set()).add(file)
        for template, names in rendered.fields.items():
            self.fields.setdefault(template, set()).update(names)

    def _forget_reads(self, file: str) -> None:
        for path in self.reads.pop(file, ()):
            readers = self.readers.get(path)
            if readers is not None:
                readers.discard(file)

    def _index_holders(self) -> None:
        """Which feeds and sitemaps (no template, so no recorded reads) hold which articles."""
        self.holders = {}
        memo: dict[int, frozenset[str]] = {}
        for file, page in self.pages.items():
            if page.is_html and file in self.reads:
                continue
            for path in _articles_in(page.context, memo):
                self.holders.setdefault(path, set()).add(file)

    def update_search(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Index the article pages again after a rebuild that changed some (slower: seconds at
        10,000 articles), so the server runs it after the reload, and stops it for a new edit."""
        if not self.index_pending or self.config is None:
            return
        staging = InPlaceStaging(self.output)
        staging.start()
        try:
            articles = _article_files(self.pages.values())
            try:
                search = index_articles(articles, set(articles), staging, self.config, cancelled)
            except Cancelled:
                staging.abort()
                return
            old = _bundle(self.planned)
            staging.commit_in_place(search.changed, old - set(search.files))
        except BaseException:
            staging.abort()
            raise
        self.planned = (self.planned - old) | set(search.files)
        self.index_pending = False

    def _selected(self) -> tuple[list[Article], list[Asset], list[Problem]]:
        """The articles this build includes, the files beside them, and every problem."""
        config = self.config
        assert config is not None
        now = self.selection.now or datetime.now(config.tz)
        articles: list[Article] = []
        assets: list[Asset] = []
        problems: list[Problem] = []
        for path in sorted(self.files):
            entry = self.files[path]
            if isinstance(entry, Asset):
                assets.append(entry)
                continue
            article, found = entry
            problems.extend(found)
            if article is None:
                continue
            if article.draft and not self.selection.drafts:
                continue
            if article.published > now and not self.selection.future:
                continue
            articles.append(article)
        return articles, assets, problems


ALL: frozenset[str] = frozenset({"*"})  # a template that names others in ways we cannot follow


def template_uses(config: Config) -> dict[str, frozenset[str]]:
    """For each template, every template it extends, includes or imports, itself included."""
    environment = make_environment(config)
    direct: dict[str, set[str] | None] = {}
    for name in environment.list_templates():
        source, _, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
        try:
            found = meta.find_referenced_templates(environment.parse(source))
            names = set()
            for referenced in found:
                if referenced is None:
                    names = None
                    break
                names.add(referenced)
            direct[name] = names
        except Exception:  # a syntax error: the render reports it with file and line
            direct[name] = set()
    uses: dict[str, frozenset[str]] = {}
    for name in direct:
        seen: set[str] = set()
        stack = [name]
        dynamic = False
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            referenced = direct.get(current, set())
            if referenced is None:
                dynamic = True
                continue
            stack.extend(referenced)
        uses[name] = ALL if dynamic else frozenset(seen)
    return uses


def _is_below(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _article_files(pages: Iterable[Page]) -> list[str]:
    return sorted(_file(page) for page in pages if page.kind == "article")


def _bundle(planned: set[str]) -> set[str]:
    return {name for name in planned if name.startswith("pagefind/")}


def _page_file(article: Article) -> str:
    return _url_file(article.url)


@functools.lru_cache(maxsize=1 << 17)
def _url_file(url: str) -> str:
    return output_file(url)


def _file(page: Page) -> str:
    """The page's output file, remembered by URL: every rebuild asks it of every page."""
    return _url_file(page.url)


def _changed_fields(old: Article, new: Article) -> set[str]:
    return {
        item.name
        for item in dataclasses.fields(Article)
        if getattr(old, item.name) != getattr(new, item.name)
    }


def _is_record(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _same_shape(
    old: Any, new: Any, versions: dict[str, tuple[Article, Article]], memo: _Memo
) -> bool:
    """Whether two values are equal but for holding other versions of the same articles.

    Collects those articles as path -> (old, new). Values that pages share (a topic, the
    archive's years) are compared once.
    """
    if old is new:
        return True
    if type(old) is not type(new):
        return False
    if type(old) is Article:
        if old.path != new.path:
            return False
        if old != new:
            versions[old.path] = (old, new)
        return True
    if not isinstance(old, (tuple, list, dict)) and not _is_record(old):
        return bool(old == new)
    key = (id(old), id(new))
    if key not in memo:
        found: dict[str, tuple[Article, Article]] = {}
        if isinstance(old, (tuple, list)):
            same = len(old) == len(new) and all(
                _same_shape(a, b, found, memo) for a, b in zip(old, new, strict=True)
            )
        elif isinstance(old, dict):
            same = old.keys() == new.keys() and all(
                _same_shape(old[k], new[k], found, memo) for k in old
            )
        else:
            same = all(
                _same_shape(getattr(old, f.name), getattr(new, f.name), found, memo)
                for f in dataclasses.fields(old)
            )
        memo[key] = (same, found)
    same, found = memo[key]
    versions.update(found)
    return same


def _refresh(value: Any, current: dict[str, Article], memo: dict[int, Any]) -> Any:
    """The same value with every edited article swapped for its new version."""
    if type(value) is Article:
        return current.get(value.path, value)
    key = id(value)
    if key in memo:
        return memo[key]
    result = value
    if isinstance(value, tuple):
        items = tuple(_refresh(item, current, memo) for item in value)
        if any(a is not b for a, b in zip(items, value, strict=True)):
            result = items
    elif isinstance(value, list):
        result = [_refresh(item, current, memo) for item in value]
    elif isinstance(value, dict):
        entries = {k: _refresh(v, current, memo) for k, v in value.items()}
        if any(entries[k] is not v for k, v in value.items()):
            result = entries
    elif _is_record(value):
        changes = {}
        for item in dataclasses.fields(value):
            old = getattr(value, item.name)
            new = _refresh(old, current, memo)
            if new is not old:
                changes[item.name] = new
        if changes:
            result = dataclasses.replace(value, **changes)
    memo[key] = result
    return result


def _articles_in(value: Any, memo: dict[int, frozenset[str]]) -> frozenset[str]:
    """Paths of every article a value holds, however deep."""
    if type(value) is Article:
        return frozenset((value.path,))
    if isinstance(value, (str, bytes, int, float, datetime)) or value is None:
        return frozenset()
    key = id(value)
    if key not in memo:
        if isinstance(value, (tuple, list, set, frozenset)):
            parts = [_articles_in(item, memo) for item in value]
        elif isinstance(value, dict):
            parts = [_articles_in(item, memo) for item in value.values()]
        elif _is_record(value):
            parts = [_articles_in(getattr(value, f.name), memo) for f in dataclasses.fields(value)]
        else:
            parts = []
        memo[key] = frozenset().union(*parts)
    return memo[key]


@dataclass(slots=True)
class Rendered:
    """Pages rendered into staging: which changed, the problems, what each HTML page read."""

    changed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reads: dict[str, frozenset[str]] = field(default_factory=dict)
    fields: dict[str, set[str]] = field(default_factory=dict)


class RecordingRenderer(PageRenderer):
    """A PageRenderer that notes which articles, and which of their fields, a page reads.

    Templates reach an article's fields only through the environment's getattr and getitem
    (`article.title`, `map(attribute="title")`), so hooking those two sees every read.
    """

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.paths: set[str] = set()
        self.names: set[str] = set()
        environment = self.environment
        plain_getattr = environment.getattr
        plain_getitem = environment.getitem

        def getattr_(obj: Any, attribute: str) -> Any:
            if type(obj) is Article:
                self.paths.add(obj.path)
                self.names.add(attribute)
            return plain_getattr(obj, attribute)

        def getitem(obj: Any, argument: Any) -> Any:
            if type(obj) is Article:
                self.paths.add(obj.path)
                self.names.add(str(argument))
            return plain_getitem(obj, argument)

        environment.getattr = getattr_  # type: ignore[method-assign]
        environment.getitem = getitem  # type: ignore[method-assign]

    def render_noting(self, page: Page) -> tuple[bytes, frozenset[str] | None, set[str]]:
        """The page's bytes, the articles it read (None for a feed or sitemap), their fields."""
        self.paths, self.names = set(), set()
        data = self.render(page)
        if not page.is_html:
            return data, None, set()
        if page.kind == "article":
            # Its body comes from the article's file, outside the template; an edit of the
            # article always renders its own page again, so no field needs noting for it.
            self.paths.add(page.context["article"].path)
        return data, frozenset(self.paths), self.names


def _render_batch(
    renderer: RecordingRenderer,
    pages: Sequence[Page],
    config: Config,
    staging: Staging,
    batch: tuple[int, int],
) -> Rendered:
    result = Rendered()
    for page in pages[batch[0] : batch[1]]:
        try:
            data, paths, names = renderer.render_noting(page)
        except RENDER_ERRORS as error:
            result.problems.append(page_problem(error, page, config))
            continue
        if paths is not None:
            result.reads[_file(page)] = paths
            result.fields.setdefault(page.template, set()).update(names)
        if staging.put(_file(page), data):
            result.changed.append(_file(page))
    return result
