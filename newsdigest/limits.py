"""How big and how slow one article may be: the numbers docs/limits.md promises, and the clock.

Each cap is far above what a real article needs and far below what makes a build crawl: a
hostile or broken file gets a short error instead of minutes of work or gigabytes of output.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

# The YAML between the two `---` lines, in UTF-8 bytes.
MAX_FRONT_MATTER_BYTES = 64 * 1024
# Values in the front matter (every scalar, list, mapping and key) with each alias (*name)
# replaced by what it refers to: a few hundred bytes of nested aliases expand to billions.
MAX_YAML_VALUES = 10_000

# Characters in each text field, after surrounding spaces are dropped.
TEXT_LENGTHS = {
    "title": 300,
    "slug": 300,
    "summary": 1_000,
    "source": 300,
    "source_url": 2_000,
    "author": 300,
    "lang": 35,
    # the lead image's fields
    "src": 2_000,
    "alt": 1_000,
    "caption": 1_000,
    "credit": 300,
}
MAX_TOPIC_LENGTH = 100
MAX_TOPICS = 50

# Dates must stay clear of the calendar's ends (years 1 and 9999), where moving a time to
# another zone or a day earlier has nowhere to go.
EARLIEST_YEAR = 1000
LATEST_YEAR = 9998

# Rendering one article's Markdown: a real article takes milliseconds; Python-Markdown can
# spend minutes on a few kilobytes of hostile text (20 KB of `[` took 84 s).
ARTICLE_SECONDS = 10.0


class TimeLimitExceeded(Exception):
    """The block under `time_limit` ran longer than its limit and was interrupted."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"took longer than {seconds:g} s")
        self.seconds = seconds


def can_interrupt() -> bool:
    """True where `time_limit` works: the main thread of a process, on a system with SIGALRM."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded inside the block once it has run `seconds` of wall-clock time.

    It uses SIGALRM, so it works in the main thread of any process (the build's and each
    forked or spawned worker's) and interrupts pure Python and C code that checks for
    signals (regular expressions do). In any other thread, where Python allows no signal
    handler, it does nothing: the block runs unlimited. A limit inside another keeps the
    outer one: the outer timer is armed again, less the time spent, when the inner block
    ends. Code interrupted half-way may leave its objects half-changed: a Markdown instance
    must be reset() before its next use (MarkdownRenderer does so on every convert).
    """
    if not can_interrupt():
        yield
        return
    outer_delay, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if outer_delay and outer_delay <= seconds:
        yield  # an outer limit ends first, and raises its own exception
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise TimeLimitExceeded(seconds)

    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        # Nested so that an alarm arriving while the timer is disarmed still restores the rest.
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)
            if outer_delay:
                left = outer_delay - (time.monotonic() - started)
                signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), outer_interval)
