"""Stage, compare bytes, write what changed, remove stale files: the only writer of the output.

A build writes the files whose bytes changed into a staging folder beside the output folder
(`.public.staging`, which holds newsdigest's mark), so a build that fails or is stopped before
its commit leaves the output folder as it was. To commit, it writes a journal beside the output
folder (`.public.journal`) naming the files to move in and the stale ones to remove, moves each
staged file into place with one atomic rename, removes the stale files and emptied folders,
and deletes the journal. A build killed while moving leaves the journal behind, and the next
build finishes those moves before anything else (`recover`): until then the output folder holds
old and new files side by side, each of them whole. The first build into a missing or empty
output folder renames the whole staging folder into place instead.

Files whose bytes did not change are not written, so they keep their modification time and
`rsync` or `aws s3 sync` send only what changed. Nothing newsdigest keeps for itself is left
inside the output folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass
from pathlib import Path

from newsdigest.errors import BuildFailed, Problem, UsageError

STAGING_MARK = ".newsdigest-staging"
# Earlier versions marked the output folder itself with this file; it is removed when seen.
OLD_MARK = ".newsdigest-output"
OWN_FILES = frozenset({STAGING_MARK, OLD_MARK})

Stat = tuple[int, int]  # size, mtime_ns


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int
    stats: dict[str, Stat]  # every file put or copied: its size and time in the output now


def beside(output: Path, suffix: str) -> Path:
    return output.parent / f".{output.name}.{suffix}"


@contextlib.contextmanager
def locked(lock: Path, waiting: Callable[[], None] = lambda: None) -> Iterator[None]:
    """Hold a lock file; a second build waits for the first (and is told so)."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+b")  # noqa: SIM115 (held open while the lock is held)
    except OSError as error:
        raise BuildFailed([_cannot_write(lock.parent, error)]) from error
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def guard_output(output: Path, site_dir: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output folder whose replacement would destroy the site or the system."""
    output = output.resolve()
    if output == Path(output.anchor) or output == Path.home().resolve():
        raise UsageError(f"refusing to use {output} as the output folder")
    for folder in (site_dir.resolve(), *(f.resolve() for f in inputs)):
        if folder.is_relative_to(output):
            raise UsageError(f"output folder {output} would replace {folder}; choose another")
    for folder in (f.resolve() for f in inputs):
        if output.is_relative_to(folder):
            raise UsageError(f"output folder {output} lies inside {folder}; choose another")
    if output.exists() and not output.is_dir():
        raise UsageError(f"output {output} is a file, not a folder")


def check_owner(output: Path, present: Iterable[str], known: set[str], planned: set[str]) -> None:
    """Refuse to write into a folder holding files that newsdigest did not write.

    Files are newsdigest's when the cache says it wrote them. Without the cache (deleted, or
    another machine), a folder of which most files are pages this build writes is taken as a
    previous build of the same site; any other folder with files in it is refused.
    """
    present = set(present)
    strangers = sorted(present - known - planned - OWN_FILES)
    ours = len(present & planned) >= len(present) / 2
    if strangers and not known and not ours and OLD_MARK not in present:
        shown = ", ".join(strangers[:3]) + (", ..." if len(strangers) > 3 else "")
        raise UsageError(
            f"output folder {output} holds files that newsdigest did not write ({shown}); "
            "empty it or choose another with --output"
        )


def scan_output(output: Path) -> dict[str, Stat]:
    """Every file below the output folder, with its size and modification time."""
    found: dict[str, Stat] = {}
    if not output.is_dir():
        return found

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    stat = entry.stat(follow_symlinks=False)
                    found[prefix + entry.name] = (stat.st_size, stat.st_mtime_ns)

    walk(str(output), "")
    return found


class Transaction:
    """The changed files of one build, staged beside the output folder until `commit`."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.staging = beside(output, "staging")
        self.journal = beside(output, "journal")
        self.staged: set[str] = set()
        self.kept: set[str] = set()
        self.folders: set[str] = set()  # made in staging already
        self.had_output = True  # else no file can be as it is: nothing to compare

    def start(self) -> None:
        """Finish what a killed build left, then make a fresh staging folder."""
        for folder in (self.output.parent, self.output):
            if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
                raise BuildFailed([_cannot_write(folder, PermissionError(errno.EACCES, "x"))])
        recover(self.output)
        self.had_output = self.output.is_dir() and any(self.output.iterdir())
        try:
            self.staging.mkdir(parents=True)
            (self.staging / STAGING_MARK).write_bytes(b"newsdigest\n")
        except OSError as error:
            raise BuildFailed([_cannot_write(self.output.parent, error)]) from error

    def put(self, relative: str, data: bytes) -> bool:
        """Stage a file unless the output already holds these bytes; True if it changed."""
        if self.had_output:
            old = os.path.join(self.output, relative)
            try:
                if os.stat(old).st_size == len(data):
                    with open(old, "rb") as handle:
                        if handle.read() == data:
                            self.kept.add(relative)
                            return False
            except OSError:
                pass
        with open(self._target(relative), "wb") as handle:
            handle.write(data)
        self.staged.add(relative)
        return True

    def copy(self, relative: str, source: Path) -> bool:
        """Stage a copy of a file unless the output already holds the same bytes."""
        old = self.output / relative
        try:
            if (
                old.stat().st_size == source.stat().st_size
                and old.read_bytes() == source.read_bytes()
            ):
                self.kept.add(relative)
                return False
        except OSError:
            pass
        shutil.copyfile(source, self._target(relative))
        self.staged.add(relative)
        return True

    def adopt(self, staged: Iterable[str], kept: Iterable[str]) -> None:
        """Note files that a worker process put, which its own copy of this object saw."""
        self.staged.update(staged)
        self.kept.update(kept)

    def _target(self, relative: str) -> str:
        # Page URLs are cleaned when they are made (urls.py); this is the last line of defence.
        if relative.startswith("/") or ".." in relative.split("/") or "\0" in relative:
            raise ValueError(f"refusing to write outside the output folder: {relative!r}")
        target = os.path.join(self.staging, relative)
        folder = os.path.dirname(target)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        return target

    def staged_file(self, relative: str) -> Path:
        """Where a file of the new site is now: staged, or still in the output folder."""
        staged = self.staging / relative
        return staged if relative in self.staged else self.output / relative

    def abort(self) -> None:
        """Forget the staged files, or finish the commit if it had begun (the journal is the
        point of no return: a half-moved site is never left behind on purpose)."""
        if self.journal.exists():
            recover(self.output)
        else:
            _remove_staging(self.staging)

    def commit(self, planned: Set[str], present: Set[str]) -> WriteReport:
        """Move the staged files into place and remove the files no longer planned."""
        stale = sorted(present - planned)
        unchanged = len(planned) - len(self.staged)
        stats: dict[str, Stat] = {}
        for relative in self.kept - self.staged:
            stat = (self.output / relative).stat()
            stats[relative] = (stat.st_size, stat.st_mtime_ns)
        if not self.staged and not stale:
            self.abort()
            return WriteReport(0, unchanged, 0, stats)
        moved = sorted(self.staged)
        if not self.output.exists() or not any(self.output.iterdir()):
            if self.output.exists():
                self.output.rmdir()
            os.rename(self.staging, self.output)
            (self.output / STAGING_MARK).unlink()
        else:
            _write_journal(self.journal, moved, stale)
            _apply(self.output, self.staging, moved, stale)
            self.journal.unlink()
            _remove_staging(self.staging)
        for relative in moved:
            stat = (self.output / relative).stat()
            stats[relative] = (stat.st_size, stat.st_mtime_ns)
        return WriteReport(len(moved), unchanged, len(stale), stats)


def recover(output: Path) -> None:
    """Finish a commit that a killed build left half done; forget its staged files otherwise."""
    journal = beside(output, "journal")
    staging = beside(output, "staging")
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
            moved, stale = list(map(str, plan["move"])), list(map(str, plan["remove"]))
        except (OSError, ValueError, KeyError, TypeError):
            moved, stale = [], []  # written in part: the build died before its commit began
        _apply(output, staging, moved, stale)
        journal.unlink()
    previous = beside(output, "previous")  # left by an earlier version's swap of folders
    if previous.is_dir() and (previous / OLD_MARK).exists():
        if output.exists():
            shutil.rmtree(previous)
        else:
            os.rename(previous, output)
    _remove_staging(staging)


def _write_journal(journal: Path, moved: list[str], stale: list[str]) -> None:
    temporary = journal.with_name(journal.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump({"move": moved, "remove": stale}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, journal)


def _apply(output: Path, staging: Path, moved: list[str], stale: list[str]) -> None:
    for relative in moved:
        source = staging / relative
        if source.exists():  # a replay finds the files moved before the kill gone
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    folders: set[Path] = set()
    for relative in stale:
        with contextlib.suppress(FileNotFoundError):
            (output / relative).unlink()
        folders.update(Path(relative).parents)
    # Deepest first, so a folder emptied by its emptied subfolder goes too.
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        if folder.parts:
            with contextlib.suppress(OSError):
                (output / folder).rmdir()  # only when empty


def _remove_staging(staging: Path) -> None:
    """Delete a staging folder, but only one that newsdigest made."""
    if not staging.exists():
        return
    with contextlib.suppress(OSError):
        staging.rmdir()  # empty: made by a build killed before it marked it
        return
    if not (staging / STAGING_MARK).exists():
        raise UsageError(f"{staging} is in the way and was not made by newsdigest; move it away")
    # The mark goes last, so that a build killed while deleting still finds it next time.
    for entry in os.scandir(staging):
        if entry.name == STAGING_MARK:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    shutil.rmtree(staging)


def _cannot_write(folder: Path, error: OSError) -> Problem:
    reason = error.strerror or str(error)
    return Problem(
        str(folder), f"cannot write here: {reason}", hint="check the folder's permissions"
    )
