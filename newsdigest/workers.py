"""Work spread over forked worker processes: pages to render, files to read, a folder to scan.

Workers are forked, so they inherit the work function and everything it uses (the site, the
plan, the renderer with its compiled templates) instead of receiving it pickled; only results
travel back, through a pipe between this process and its own children.
"""

from __future__ import annotations

import contextlib
import functools
import math
import multiprocessing
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

# Below this many items, starting worker processes costs more than it saves. Pages come to the
# workers with their templates compiled (render.py): 64 pages take about 0.3 s in one process.
PARALLEL_THRESHOLD = 64
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
    meanwhile: Callable[[], None] = lambda: None,
) -> Iterator[T]:
    """work((phase, start, stop)) over batches of each phase's pages, a phase once the one
    before it is done (and only if `go_on()`): in this process for small sites, else over one
    pool of forked workers, which inherit `work` and all it uses instead of receiving them
    pickled. `meanwhile()` is called once, while the workers are at the first phase (before
    the work, without workers): what this process would otherwise spend waiting."""
    # Smaller batches when there are few items, so that every worker gets some.
    size = max(1, min(BATCH_SIZE, math.ceil(sum(counts) / (2 * max(jobs, 1)))))
    phases = [
        [(phase, start, min(start + size, count)) for start in range(0, count, size)]
        for phase, count in enumerate(counts)
    ]
    if jobs <= 1 or sum(counts) < (PARALLEL_THRESHOLD if threshold is None else threshold):
        meanwhile()
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
            for phase, batches in enumerate(phases):
                if not go_on():
                    return
                results = pool.imap(_run_work, batches, chunksize=1)
                if phase == 0:
                    meanwhile()
                yield from results
    finally:
        _WORK = None


def _run_work(batch: Batch) -> Any:
    assert _WORK is not None
    return _WORK(batch)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def in_background(work: Callable[[], T], jobs: int) -> Iterator[Callable[[], T]]:
    """work() in a forked process while this one goes on; the function it gives waits for
    the result. For I/O that the build would otherwise wait for (scanning the output folder
    while the site is planned). In this process, when first asked, with one job or when other
    threads run (a forked copy of a threaded process can inherit a lock held by another thread).
    """
    if jobs <= 1 or threading.active_count() > 1:
        yield functools.cache(work)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(work, sender), daemon=True)
    process.start()
    sender.close()

    def result() -> T:
        try:
            done, value = receiver.recv()
        except (EOFError, OSError):  # the child died: do it here, and raise what it raised
            done, value = False, None
        return value if done else work()

    try:
        yield functools.cache(result)
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _send_result(work: Callable[[], Any], sender: Any) -> None:
    _ignore_interrupts()
    try:
        value = (True, work())
    except Exception:  # the parent does the work again, and sees the error itself
        value = (False, None)
    with contextlib.suppress(OSError):
        sender.send(value)
    sender.close()
