"""Work done in forked processes gives what the same work gives in this one."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from newsdigest import workers
from newsdigest.output import scan_output


def test_a_background_scan_gives_what_a_scan_here_gives(tmp_path: Path) -> None:
    for index in range(50):
        folder = tmp_path / f"f{index % 7}"
        folder.mkdir(exist_ok=True)
        (folder / f"{index}.html").write_text("x" * index)
    with workers.in_background(lambda: (os.getpid(), scan_output(tmp_path)), jobs=2) as result:
        pid, found = result()
        assert result() == (pid, found)  # asked again: the same answer, not a second scan
    assert pid != os.getpid()  # done in a child
    assert found == scan_output(tmp_path)


def test_what_fails_in_the_background_fails_here_with_its_own_error() -> None:
    calls: list[int] = []

    def work() -> None:
        calls.append(os.getpid())
        raise PermissionError("no entry")

    with workers.in_background(work, jobs=2) as result, pytest.raises(PermissionError):
        result()
    assert calls == [os.getpid()]  # the child's try is not seen here; this one raised


def test_one_job_or_other_threads_keep_the_work_in_this_process() -> None:
    with workers.in_background(os.getpid, jobs=1) as result:
        assert result() == os.getpid()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with workers.in_background(os.getpid, jobs=2) as result:
            assert result() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_a_result_not_asked_for_leaves_no_process_behind() -> None:
    with workers.in_background(lambda: threading.Event().wait(30), jobs=2):
        pass
    assert not [child for child in workers.multiprocessing.active_children() if child.daemon]


def test_few_items_are_shared_between_the_workers() -> None:
    seen = sorted(workers.in_batches(lambda batch: batch, [70, 10], jobs=2))
    assert len(seen) > 2  # more than one batch for 80 items and two workers
    covered = [i for phase, start, stop in seen if phase == 0 for i in range(start, stop)]
    assert covered == list(range(70))


@pytest.mark.parametrize("jobs", [1, 2])
def test_what_this_process_does_meanwhile_is_done_once_beside_the_work(jobs: int) -> None:
    calls: list[int] = []
    seen = list(
        workers.in_batches(
            lambda batch: batch, [70, 10], jobs, meanwhile=lambda: calls.append(os.getpid())
        )
    )
    assert calls == [os.getpid()]
    covered = sorted(i for phase, start, stop in seen for i in range(start, stop))
    assert covered == sorted([*range(70), *range(10)])
