"""Rebuild in the running process, touching only what a change touches (for `serve`).

The dev build keeps, between rebuilds: every content file's parsed result (keyed by path, read
again only when the watcher names it), the static files, the last page plan and which
templates each template pulls in. A rebuild re-parses the changed files, remakes the site model
and the plan (cheap: no Markdown, no Jinja), and renders only the pages whose plan entry differs
from the last one (unchanged articles are the very same objects, so comparing is cheap) or whose
template, or a template it extends, includes or imports, changed. A config change, or a change
the watcher could not place, rebuilds everything.

Files go through `InPlaceStaging`: pages are rendered into a pending folder first and moved
into place only when every page rendered, so a broken edit leaves the served site as it was.
The result is the same as a full build with the same options (tests compare them byte by byte),
except that stylesheets and scripts keep their plain names (a full build gives them content
hashes) so that a CSS change is one file and the browser can swap it without a reload.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import meta

from newsdigest.config import CONFIG_FILE, Config, load_config
from newsdigest.content import (
    Article,
    Asset,
    Selection,
    is_temporary,
    list_static,
    read_article,
    walk_files,
)
from newsdigest.errors import BuildFailed, Problem, errors_in
from newsdigest.output import Staging, guard_output
from newsdigest.pages import Page, plan_pages
from newsdigest.render import render_pages
from newsdigest.search import Cancelled, index_articles
from newsdigest.site import Site, make_site
from newsdigest.theme import make_environment, theme_static
from newsdigest.urls import clean_url


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
        for path in content:
            self._refresh_content(path)
        if static:
            self.static = list_static(config, theme_static())
        affected: set[str] = set()
        if templates:
            names = {p.relative_to(config.templates_dir).as_posix() for p in templates}
            self.template_uses = template_uses(config)
            affected = {t for t, uses in self.template_uses.items() if uses & names}
            if any(uses is ALL for uses in self.template_uses.values()):
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
        articles, assets, problems = self._selected()
        if errors_in(problems):
            raise BuildFailed(problems)
        changed_articles, self.touched = frozenset(self.touched), set()
        site = make_site(articles, config, None if full else self.site, changed_articles)
        plan, plan_problems = plan_pages(site, config, assets, self.static)
        problems += plan_problems
        if errors_in(problems):
            raise BuildFailed(problems)
        to_render = [
            page
            for page in plan.pages
            if full or page.template in affected_templates or self.pages.get(page.file) != page
        ]
        planned = {page.file for page in plan.pages} | {copy.url for copy in plan.copies}
        stale = set() if full else self.planned - planned - _bundle(self.planned)
        staging = Staging(self.output) if full else InPlaceStaging(self.output)
        staging.start()
        try:
            rendered = render_pages(to_render, config, staging, self.jobs if full else 1)
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
        self.site = site
        self.pages = {page.file: page for page in plan.pages}
        self.copies = {copy.url: copy.source for copy in plan.copies}
        self.planned = planned
        kind = "none" if not changed and not stale else ("css" if only_css else "reload")
        return Rebuild(
            kind=kind,
            rendered=len(to_render),
            written=written,
            removed=len(stale),
            seconds=time.perf_counter() - started,
            warnings=tuple(problems),
        )

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
    return sorted(page.file for page in pages if page.kind == "article")


def _bundle(planned: set[str]) -> set[str]:
    return {name for name in planned if name.startswith("pagefind/")}
