"""The site as `serve` keeps it between rebuilds: its settings, the last state, what is pending.

Each rebuild is one call of the build engine (pipeline.build) with the state the last good
build returned and the paths the watcher saw since. Paths seen by a build that failed are kept
and handed to the next one, so an error stays on screen until the file that caused it is
fixed. The state is also saved in the cache when edits pause, so the next `serve` starts from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from newsdigest.articles import Selection
from newsdigest.cache import BuildState, load_state, lock_file, save_state
from newsdigest.catalogs import is_site_catalog
from newsdigest.config import CONFIG_FILE, Config, load_config
from newsdigest.errors import Problem
from newsdigest.output import locked
from newsdigest.pipeline import BuildOptions, BuildReport, build, with_readers


class Preview:
    """A site built into `output` again and again by one engine, with its state in memory."""

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
        self.state: BuildState | None = None
        self.saved: BuildState | None = None  # what the cache holds
        self.pending: set[Path] | None = None  # None: look at every file
        self.verified = False

    def rebuild(self, changed: Iterable[Path] | None = None) -> BuildReport:
        """Build what changed (None: look at everything); raise BuildFailed on errors.

        The search index is left for `index`, so that the browser reloads first.
        """
        return self._build(changed, search=False)

    def index(self, cancelled: Callable[[], bool] = lambda: False) -> BuildReport:
        """Bring the search index up to date with the last good build."""
        return self._build((), search=True, cancelled=cancelled)

    def _build(
        self,
        changed: Iterable[Path] | None,
        search: bool,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> BuildReport:
        paths = None if changed is None else set(changed)
        if self.config is None or paths is None or self._settings_changed(paths):
            self.config = load_config(self.site_dir, self.overrides)
            paths = None
        if paths is None or self.pending is None:
            self.pending = None
        else:
            self.pending |= paths
        config = self.config
        if self.state is None:
            self.state = self.saved = load_state(config)
        options = BuildOptions(
            selection=self.selection,
            jobs=self.jobs,
            search=search,
            fingerprint=False,
            verify=not self.verified,
            cancelled=cancelled,
        )
        with locked(lock_file(config)):
            report, state = build(config, options, self.state, self.pending)
        self.state, self.pending, self.verified = state, set(), True
        return report

    def prepare(self) -> None:
        """Work out now what the next edit of an article would otherwise wait for (called
        when edits pause): which pages show each article, for the last plan."""
        if self.state is None:
            return
        prepared = with_readers(self.state)
        if self.saved is self.state:
            self.saved = prepared  # the same state for the cache: no need to write it again
        self.state = prepared

    def save(self, cancelled: Callable[[], bool] = lambda: False) -> Problem | None:
        """Keep the state in the cache for the next `serve` (done when edits pause: writing it
        costs more than a rebuild after one edit); a warning if it cannot be written.
        Raises Cancelled, with the cache as it was, once `cancelled()` says so."""
        if self.config is None or self.state is None or self.state is self.saved:
            return None
        with locked(lock_file(self.config)):
            warning = save_state(self.config, self.saved or BuildState(), self.state, cancelled)
        self.saved = self.state if warning is None else None
        return warning

    def _settings_changed(self, paths: set[Path]) -> bool:
        """pyproject.toml, and the site's own catalogs, which Config.catalogs digests."""
        return any(
            path in (self.site_dir, self.site_dir / CONFIG_FILE)
            or is_site_catalog(path, self.site_dir)
            for path in paths
        )
