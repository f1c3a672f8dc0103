"""Stage, compare bytes, write what changed, remove stale files, swap: the only writer.

The new site is built in a staging folder beside the output folder (`.public.staging`).
Pages whose bytes did not change are not written there; at commit they are hard-linked
from the old output, so their bytes and modification times stay as they were and
`rsync` or `aws s3 sync` send only what changed. Then two renames swap the folders:
output -> `.public.previous`, staging -> output. A build killed at any point leaves the
old site, or the new one, or (between the two renames) the old one under
`.public.previous`; `recover()` at the start of the next build puts that back. A build
that changes nothing and removes nothing writes nothing at all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newsdigest.errors import UsageError

MARKER = ".newsdigest-output"
MARKER_TEXT = b"This folder is written by newsdigest; it replaces its contents on each build.\n"


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def guard_output(output: Path, site_dir: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output folder whose replacement would destroy the site or other files."""
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
    if output.is_dir() and any(output.iterdir()) and not (output / MARKER).exists():
        raise UsageError(
            f"output folder {output} holds files that newsdigest did not write; "
            "empty it or choose another with --output"
        )


class Staging:
    """A new version of the output folder, written beside it and swapped in at commit."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.staging = output.parent / f".{output.name}.staging"
        self.previous = output.parent / f".{output.name}.previous"

    def start(self) -> None:
        recover(self.output)
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)

    def put(self, relative: str, data: bytes) -> bool:
        """Stage a file unless the output already holds these bytes; True if it changed."""
        try:
            if (self.output / relative).read_bytes() == data:
                return False
        except OSError:
            pass
        target = self._target(relative)
        target.write_bytes(data)
        return True

    def copy(self, relative: str, source: Path) -> bool:
        """Stage a copy of a file unless the output already holds the same bytes."""
        old = self.output / relative
        try:
            if (
                old.stat().st_size == source.stat().st_size
                and old.read_bytes() == source.read_bytes()
            ):
                return False
        except OSError:
            pass
        shutil.copyfile(source, self._target(relative))
        return True

    def _target(self, relative: str) -> Path:
        target = (self.staging / relative).resolve()
        if not target.is_relative_to(self.staging.resolve()):
            raise ValueError(f"refusing to write outside the output folder: {relative!r}")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def abort(self) -> None:
        """Forget the staged files; the output folder was never touched."""
        shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self, planned: set[str], changed: set[str]) -> WriteReport:
        """Swap the new site in, unless nothing changed and nothing went stale."""
        old_files = set(files_below(self.output)) - {MARKER}
        stale = old_files - planned
        unchanged = planned - changed
        if not changed and not stale and (self.output / MARKER).exists():
            self.abort()
            return WriteReport(written=0, unchanged=len(unchanged), removed=0)
        for relative in sorted(unchanged):
            _link_or_copy(self.output / relative, self._target(relative))
        (self.staging / MARKER).write_bytes(MARKER_TEXT)
        if self.output.exists():
            os.rename(self.output, self.previous)
        os.rename(self.staging, self.output)
        shutil.rmtree(self.previous, ignore_errors=True)
        return WriteReport(written=len(changed), unchanged=len(unchanged), removed=len(stale))


def recover(output: Path) -> None:
    """Finish or roll back a swap that a killed build left half done."""
    previous = output.parent / f".{output.name}.previous"
    if previous.exists():
        if output.exists():
            shutil.rmtree(previous)  # The swap finished; only the clean-up was cut short.
        else:
            os.rename(previous, output)  # Killed between the two renames: keep the old site.
    staging = output.parent / f".{output.name}.staging"
    if staging.exists():
        shutil.rmtree(staging)


def files_below(folder: Path) -> list[str]:
    """Every file below a folder as a posix path relative to it, sorted."""
    if not folder.is_dir():
        return []
    # os.walk, not Path.rglob: at 30,000 files the pathlib objects alone took a second.
    found = []
    for directory, _, files in os.walk(folder):
        relative = os.path.relpath(directory, folder).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        found.extend(prefix + name for name in files)
    return sorted(found)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
