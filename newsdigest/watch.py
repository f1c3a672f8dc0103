"""Watch the site's inputs and hand changed paths over in batches, after a quiet period.

Editors write a file several times per save, and save atomically by writing a temporary file
and renaming it over the original (vim, JetBrains): so a move's destination, a creation and a
close-after-write all count as a change to that path, and temporary and swap files are ignored.
A burst of events (a `git checkout` of a thousand files) becomes one batch: the batch is handed
over only after a quiet period without events. Events that arrive while the previous batch is
being handled collect into exactly one next batch.

The quiet period is 100 ms while some file is still being written (created or modified, not yet
closed), and 5 ms once every changed file is settled: closed after writing, moved into place
or deleted. An ordinary save ends with its close, so its rebuild starts sooner; the polling
observer sees no closes, and keeps the 100 ms.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from newsdigest.content import is_temporary

# Quiet periods before a rebuild: a file still being written may have more coming; a file
# closed after writing or moved into place is whole, and the wait only gathers the other files
# of the same save (an editor's backup and rename follow within a millisecond).
QUIET_SECONDS = 0.1
SETTLED_SECONDS = 0.005


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


class _StopRace(logging.Filter):
    """Drops the error watchdog logs when a watch is stopped while events are flowing.

    Its emitter thread may read one more event after `stop()` has begun; it then logs
    "queue_events() called when the thread is inactive" at ERROR and drops the event, which is
    harmless (the watch is going away) but printed on every stop of `serve` that coincides with a
    write. Only that message is dropped; every other watchdog message is kept.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


class _Overflow(logging.Filter):
    """Notices, without hiding it, watchdog's warning that the kernel dropped file events.

    A warning in its log is watchdog's only sign that the inotify queue overflowed; the events
    are lost, so the watcher can no longer say which files changed.
    """

    def __init__(self, lost: Callable[[], None]) -> None:
        super().__init__()
        self.lost = lost

    def filter(self, record: logging.LogRecord) -> bool:
        if "overflow" in record.getMessage().lower():
            self.lost()
        return True


_STOP_RACE = _StopRace()
_INOTIFY_LOG = "watchdog.observers.inotify"
_INOTIFY_FD_LOG = "watchdog.observers.inotify_c"


class _Handler(FileSystemEventHandler):
    """Hands each event to the watcher; an error while doing so means "look at everything"."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        try:
            self.watcher.handle(event)
        except Exception as error:  # an exception here would end watchdog's thread for good
            self.watcher.say(f"Watching the site: {error!r}; rebuilding everything.")
            self.watcher.lost()


class Watcher:
    """watchdog over the site's folders; falls back to polling when inotify runs out.

    Each input folder (content/, templates/, static/, locale/) has its own recursive watch, and
    the site folder a flat one, which sees the config file and the input folders themselves come
    and go.
    A recursive watch stays on the folder it was started on: once `content/` is deleted and made
    again, or swapped with `mv` (what `git checkout`, rsync and some editors do), it watches
    nothing, or the old folder under its new name. So when an input folder is created, deleted or
    moved, its watch is started again on whatever now has its name (a folder missing at the start
    is picked up the same way), and the batch gets the site folder itself, which the dev build
    takes to mean "rebuild everything": the files of a replaced folder were never seen one by
    one. Events the kernel dropped, and an error while handling an event, are reported the same
    way.
    """

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
        self.site_dir = site_dir
        self.folders = list(folders)
        self.config_file = config_file
        self.say = say
        self.handler = _Handler(self)
        self.watches: dict[Path, ObservedWatch] = {}
        logging.getLogger(_INOTIFY_LOG).addFilter(_STOP_RACE)
        self.overflow = _Overflow(self.lost)
        logging.getLogger(_INOTIFY_FD_LOG).addFilter(self.overflow)
        if not self._start(Observer):
            self.say("Cannot watch with inotify (its watch or instance limit is reached); polling.")
            if not self._start(PollingObserver):
                self.debouncer.stop()
                logging.getLogger(_INOTIFY_FD_LOG).removeFilter(self.overflow)
                raise OSError("cannot watch the site folder")

    def _start(self, kind: Callable[[], BaseObserver]) -> bool:
        observer = self.observer = kind()  # set before its first event can arrive
        self.watches = {}
        try:
            for folder in self.folders:
                if folder.is_dir():
                    self.watches[folder] = observer.schedule(
                        self.handler, str(folder), recursive=True
                    )
            observer.schedule(self.handler, str(self.site_dir), recursive=False)
            observer.start()
        except OSError:
            with contextlib.suppress(Exception):
                observer.stop()
            return False
        return True

    def handle(self, event: FileSystemEvent) -> None:
        """One event from watchdog's thread: a path for the batch, or a folder to watch again."""
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        paths = [_path(event.src_path)]
        if event.event_type == "moved":
            paths.append(_path(event.dest_path))  # the destination of an atomic save is the change
        if event.event_type in ("created", "deleted", "moved"):
            replaced = [path for path in paths if path in self.folders]
            for folder in replaced:
                self._watch_again(folder)
            if replaced:
                self.lost()
                return
        if event.is_directory and event.event_type == "modified":
            return  # a folder's listing changed: the file events themselves follow
        # Closed after writing, moved into place or gone: nothing more is coming for it.
        settled = event.event_type in ("closed", "moved", "deleted") or event.is_directory
        for path in paths:
            if not is_temporary(path.name) and self._accept(path):
                self.debouncer.add(path, settled)

    def lost(self) -> None:
        """Some change cannot be pinned to files: the batch gets the site folder itself."""
        self.debouncer.add(self.site_dir, False)

    def _watch_again(self, folder: Path) -> None:
        """Start the folder's recursive watch again, on what now has its name, if anything."""
        old = self.watches.pop(folder, None)
        if old is not None:
            with contextlib.suppress(KeyError):  # already gone with the observer
                self.observer.unschedule(old)
        if not folder.is_dir():
            return  # deleted or moved away: watched again once the site folder sees it back
        try:
            self.watches[folder] = self.observer.schedule(self.handler, str(folder), recursive=True)
        except FileNotFoundError:
            return  # gone again already; its creation will bring us back here
        except OSError as error:
            self.say(f"Cannot watch {folder}: {error.strerror}; restart serve to see its changes.")

    def _accept(self, path: Path) -> bool:
        if path == self.config_file:
            return True
        return any(path == folder or path.is_relative_to(folder) for folder in self.folders)

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)
        self.debouncer.stop()
        logging.getLogger(_INOTIFY_FD_LOG).removeFilter(self.overflow)


def _path(raw: str | bytes) -> Path:
    return Path(raw if isinstance(raw, str) else raw.decode())
