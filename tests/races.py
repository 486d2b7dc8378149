"""Forcing a race: every racing request passes its check before any of them writes.

`Rendezvous` is installed at one of the service's `api.race_hooks.after_check` points. Code with the race
lets every racing request reach that point having passed its check; the rendezvous holds them until all are
there and then releases them together, so all of them write what their check allowed: the bug, on every run.

Code that locks the row (or counts atomically) lets only the first request reach the point while the others wait
for the lock, or are refused by the counter, before their check. The rendezvous then gives up once nobody has
arrived for `patience` seconds and lets everyone through from then on, so the fixed code never deadlocks on it,
on PostgreSQL (row locks) as on SQLite (whose writers queue for the database's write lock).
"""

import asyncio
import signal
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from api import race_hooks

T = TypeVar("T")

# Long enough that racing requests without a lock all arrive, short enough for a test; below SQLite's
# busy_timeout, so that writers queued behind the waiting one are still waiting when it goes on.
PATIENCE_SECONDS = 2.0
# Every racing request answers within this, fixed or not (a hang is a failure, not a stuck test run).
ANSWER_WITHIN_SECONDS = 30.0


class Rendezvous:
    def __init__(self, point: str, parties: int, patience: float = PATIENCE_SECONDS) -> None:
        self.point, self.parties, self.patience = point, parties, patience
        self.arrived = 0
        self._open = asyncio.Event()

    async def __call__(self, point: str) -> None:
        if point != self.point or self._open.is_set():
            return
        self.arrived += 1
        if self.arrived >= self.parties:
            self._open.set()
            return
        while not self._open.is_set():
            seen = self.arrived
            try:
                await asyncio.wait_for(self._open.wait(), self.patience)
            except TimeoutError:
                if self.arrived == seen:
                    self._open.set()


@contextmanager
def racing(point: str, parties: int) -> Iterator[Rendezvous]:
    """Hold the requests that reach `point` together while the block runs."""
    rendezvous = Rendezvous(point, parties)
    with race_hooks.installed(rendezvous):
        yield rendezvous


class NoAnswer(AssertionError):
    pass


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise NoAnswer after `seconds` even if a request spins without ever yielding to the event loop (which
    would keep asyncio's own timeouts from firing)."""

    def give_up(_signal: int, _frame: object) -> None:
        raise NoAnswer(f"no answer within {seconds:.0f} s: a request is stuck")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


async def all_answers(*requests: Awaitable[T]) -> list[T]:
    """Run the requests at once; fail (instead of hanging the test run) if any has not answered in time."""
    with _alarm(ANSWER_WITHIN_SECONDS + 5):
        return await asyncio.wait_for(asyncio.gather(*requests), ANSWER_WITHIN_SECONDS)
