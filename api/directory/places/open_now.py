"""Which opening schedules are open this minute, per process.

Schedules are immutable rows keyed by their hours, so a process learns each one once; the open set is worked
out once a minute and lets "open now" be an SQL filter (`schedule_id IN …`) and a dictionary look-up per row.
"""

import math
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.calendar import days
from api.listings.hours import OpeningHours, hours_note_at, is_open_at
from api.prepared import PreparedRead, Reader, as_reader
from models import OpeningSchedule

# Schedules are never changed once written, so only the ones created since the last look are read.
_SCHEDULES_AFTER = PreparedRead(
    select(OpeningSchedule.id, OpeningSchedule.hours).where(OpeningSchedule.id > bindparam("after_id"))
)


class OpenSchedules:
    def __init__(self) -> None:
        self._hours: dict[int, OpeningHours] = {}
        self._unknown: set[int] = set()  # schedules with no rules at all: open or not cannot be said
        self._max_id = 0
        self._minute: datetime | None = None
        self._calendar: days.HolidayCalendar | None = None
        self._open: frozenset[int] = frozenset()
        # Schedules whose answer this minute depends on a year with no published holidays.
        self._notes: dict[int, str] = {}
        self._checked_at = -math.inf

    async def refresh(self, source: AsyncSession | Reader, *, max_age_seconds: float = 0.0) -> None:
        """Learn schedules created since the last look (one indexed range query), unless looked just now."""
        if time.monotonic() - self._checked_at < max_age_seconds:
            return
        self._checked_at = time.monotonic()
        added = False
        for row in await _SCHEDULES_AFTER.all(source, after_id=self._max_id):
            schedule_id = row.id
            self._hours[schedule_id] = model = OpeningHours.model_validate(row.hours)
            if not model.weekly and not model.exceptions:
                self._unknown.add(schedule_id)
            self._max_id = max(self._max_id, schedule_id)
            added = True
        if added:
            self._minute = None

    def open_ids(self, now: datetime | None = None) -> frozenset[int]:
        now = now or datetime.now(UTC)
        minute = now.replace(second=0, microsecond=0)
        calendar = days.current()
        if minute != self._minute or calendar is not self._calendar:
            self._open = frozenset(i for i, hours in self._hours.items() if is_open_at(hours, minute))
            self._notes = {
                i: note for i, hours in self._hours.items() if (note := hours_note_at(hours, minute)) is not None
            }
            self._minute, self._calendar = minute, calendar
        return self._open

    def open_state(self, now: datetime | None = None) -> Callable[[int | None], tuple[bool | None, str | None]]:
        """Whether a schedule is open at `now` (None: unknown schedule, or no hours to tell) and its hours note,
        for the many rows of a page: the open set is looked up once, not once per row."""
        open_ids, hours, unknown, notes = self.open_ids(now), self._hours, self._unknown, self._notes

        def state(schedule_id: int | None) -> tuple[bool | None, str | None]:
            if schedule_id is None or schedule_id not in hours or schedule_id in unknown:
                return None, None
            return schedule_id in open_ids, notes.get(schedule_id)

        return state

    def knows(self, schedule_ids: set[int]) -> bool:
        return schedule_ids <= self._hours.keys()


_by_database: "weakref.WeakKeyDictionary[object, OpenSchedules]" = weakref.WeakKeyDictionary()


def open_schedules(source: AsyncSession | Reader) -> OpenSchedules:
    """The cache of this database (schedule ids mean nothing in another database)."""
    key = as_reader(source).database_key
    cache = _by_database.get(key)
    if cache is None:
        cache = _by_database[key] = OpenSchedules()
    return cache


def forget_schedules(engine: AsyncEngine) -> None:
    """Drop what this process learnt of a database's schedules: after a rollback that undid schedules it had
    already read inside the transaction (on SQLite their ids are given again to the next new schedules)."""
    _by_database.pop(engine.sync_engine, None)
