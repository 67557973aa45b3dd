"""How far a long step is, in words: documents done of total, documents/s, time left.

A registry-sized parse takes minutes; without this the run says nothing
between its first and last line. Plain functions over counts and a clock,
so the engine reports numbers and the Dagster wrapper only logs the line.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def duration(seconds: float) -> str:
    """`seconds` as a person reads it: "45 s", "3 min 12 s", "1 h 05 min"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def progress_line(what: str, done: int, total: int, elapsed: float) -> str:
    """One progress line; the time left assumes the rate so far holds for the rest."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = f"about {duration((total - done) / rate)} left" if rate > 0 and done < total else "done"
    percent = 100 * done // total if total else 100
    return f"{what}: {done:,} of {total:,} documents ({percent}%), {rate:,.0f} documents/s, {left}"


class BatchProgress:
    """A progress callback that reports each batch of a long step through `report`.

    A step done in one batch (the seeds, an incremental run) reports nothing:
    its own closing line already says what it did, and the run stays short.
    """

    def __init__(self, what: str, report: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._what = what
        self._report = report
        self._clock = clock
        self._started = clock()
        self._reported = False

    def __call__(self, done: int, total: int) -> None:
        if done >= total and not self._reported:
            return
        self._reported = True
        self._report(progress_line(self._what, done, total, self._clock() - self._started))
