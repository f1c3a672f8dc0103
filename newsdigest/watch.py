"""Watch the site's inputs and hand changed paths over in batches, after a quiet period.

Editors write a file several times per save, and save atomically by writing a temporary file
and renaming it over the original (vim, JetBrains): so a move's destination, a creation and a
close-after-write all count as a change to that path, and temporary and swap files are ignored.
A burst of events (a `git checkout` of a thousand files) becomes one batch: the batch is handed
over only after a quiet period without events. Events that arrive while the previous batch is
being handled collect into exactly one next batch.

The quiet period is 100 ms while some file is still being written (created or modified, not yet
closed), and 30 ms once every changed file is settled: closed after writing, moved into place
or deleted. An ordinary save ends with its close, so its rebuild starts sooner; the polling
observer sees no closes, and keeps the 100 ms.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from newsdigest.content import is_temporary

QUIET_SECONDS = 0.1
SETTLED_SECONDS = 0.03


class Debouncer:
    """Collects paths; calls `handle(paths)` once no path arrived for `quiet` seconds."""

    def __init__(
        self,
        handle: Callable[[set[Path]], None],
        quiet: float = QUIET_SECONDS,
        settled_quiet: float = SETTLED_SECONDS,
    ) -> None:
        self.handle = handle
        self.quiet = quiet
        self.settled_quiet = min(settled_quiet, quiet)
        self.pending: set[Path] = set()
        self.unsettled: set[Path] = set()  # written to, not yet closed
        self.last_event = 0.0
        self.condition = threading.Condition()
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="newsdigest-rebuild", daemon=True)
        self.thread.start()

    def add(self, path: Path, settled: bool = False) -> None:
        with self.condition:
            self.pending.add(path)
            if settled:
                self.unsettled.discard(path)
            else:
                self.unsettled.add(path)
            self.last_event = _now()
            self.condition.notify()

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while True:
            with self.condition:
                while not self.pending and not self.stopped:
                    self.condition.wait()
                if self.stopped:
                    return
                # Wait for a quiet period: every new event pushes the deadline back.
                while not self.stopped:
                    quiet = self.quiet if self.unsettled else self.settled_quiet
                    remaining = self.last_event + quiet - _now()
                    if remaining <= 0:
                        break
                    self.condition.wait(remaining)
                if self.stopped:
                    return
                batch, self.pending = self.pending, set()
                self.unsettled.clear()
            self.handle(batch)


def _now() -> float:
    return time.monotonic()


class _Handler(FileSystemEventHandler):
    def __init__(self, accept: Callable[[Path], bool], add: Callable[[Path, bool], None]) -> None:
        self.accept = accept
        self.add = add

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        if event.is_directory and event.event_type == "modified":
            return  # a folder's listing changed: the file events themselves follow
        paths = [event.src_path]
        if event.event_type == "moved":
            paths.append(event.dest_path)  # the destination of an atomic save is the change
        # Closed after writing, moved into place or gone: nothing more is coming for it.
        settled = event.event_type in ("closed", "moved", "deleted") or event.is_directory
        for raw in paths:
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if not is_temporary(path.name) and self.accept(path):
                self.add(path, settled)


class Watcher:
    """watchdog over the site's folders; falls back to polling when inotify runs out."""

    def __init__(
        self,
        site_dir: Path,
        folders: list[Path],
        config_file: Path,
        on_change: Callable[[set[Path]], None],
        quiet: float = QUIET_SECONDS,
        say: Callable[[str], None] = print,
    ) -> None:
        self.debouncer = Debouncer(on_change, quiet)
        self.folders = [f for f in folders if f.is_dir()]
        # A site without templates/ yet: the site folder's watch sees it appear, then it is
        # watched like the others.
        self.missing = {f for f in folders if not f.is_dir()}
        self.handler: _Handler | None = None
        self.site_dir = site_dir
        self.config_file = config_file
        self.say = say
        self.observer = self._start(Observer)
        if self.observer is None:
            self.say("Cannot watch with inotify (its watch or instance limit is reached); polling.")
            self.observer = self._start(PollingObserver)
        if self.observer is None:
            raise OSError("cannot watch the site folder")

    def _start(self, kind: type) -> object | None:
        observer = kind()
        handler = self.handler = _Handler(self._accept, self.debouncer.add)
        try:
            for folder in self.folders:
                observer.schedule(handler, str(folder), recursive=True)
            observer.schedule(handler, str(self.site_dir), recursive=False)
            observer.start()
        except OSError:
            with contextlib.suppress(Exception):
                observer.stop()
            return None
        return observer

    def _accept(self, path: Path) -> bool:
        if path == self.config_file:
            return True
        if path in self.missing and path.is_dir() and getattr(self, "observer", None):
            self.missing.discard(path)
            self.folders.append(path)
            self.observer.schedule(self.handler, str(path), recursive=True)  # type: ignore[attr-defined]
            return True
        return any(path == folder or path.is_relative_to(folder) for folder in self.folders)

    def stop(self) -> None:
        self.observer.stop()  # type: ignore[attr-defined]
        self.observer.join(timeout=5)  # type: ignore[attr-defined]
        self.debouncer.stop()
