"""Work spread over forked worker processes: pages to render, files to read.

Workers are forked, so they inherit the work function and everything it uses (the site, the
plan, the renderer) instead of receiving it pickled; only results travel back.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

# Below this many items, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400
READ_THRESHOLD = 400  # content files to read
BATCH_SIZE = 250

T = TypeVar("T")
Batch = tuple[int, int, int]  # phase, start, stop
_WORK: Callable[[Batch], Any] | None = None


def in_batches(
    work: Callable[[Batch], T],
    counts: Sequence[int],
    jobs: int,
    go_on: Callable[[], bool] = lambda: True,
    threshold: int | None = None,
) -> Iterator[T]:
    """work((phase, start, stop)) over batches of each phase's pages, a phase once the one
    before it is done (and only if `go_on()`): in this process for small sites, else over one
    pool of forked workers, which inherit `work` and all it uses instead of receiving them
    pickled."""
    phases = [
        [(phase, start, min(start + BATCH_SIZE, count)) for start in range(0, count, BATCH_SIZE)]
        for phase, count in enumerate(counts)
    ]
    if jobs <= 1 or sum(counts) < (PARALLEL_THRESHOLD if threshold is None else threshold):
        for batches in phases:
            if not go_on():
                return
            yield from map(work, batches)
        return
    global _WORK
    _WORK = work
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs, initializer=_ignore_interrupts) as pool:
            for batches in phases:
                if not go_on():
                    return
                yield from pool.imap(_run_work, batches, chunksize=1)
    finally:
        _WORK = None


def _run_work(batch: Batch) -> Any:
    assert _WORK is not None
    return _WORK(batch)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
