"""The points where a request has checked something and is about to write what the check allowed.

Each such point awaits `after_check(name)`. In production nothing is installed and it returns at once. A
concurrency test installs a pause there (`tests/races.py`) that holds its racing requests until all of them have
passed their check, so that all of them then write: the interleaving that a row lock or an atomic counter must
make harmless, forced on every run instead of left to the scheduler.
"""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

Pause = Callable[[str], Awaitable[None]]

_pause: Pause | None = None


async def after_check(point: str) -> None:
    if _pause is not None:
        await _pause(point)


@contextmanager
def installed(pause: Pause) -> Iterator[None]:
    """Run `pause` at every point until the block ends (tests only)."""
    global _pause  # noqa: PLW0603 - one pause per process, installed only by a test around its racing requests
    previous, _pause = _pause, pause
    try:
        yield
    finally:
        _pause = previous
