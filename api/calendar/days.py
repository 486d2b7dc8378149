"""The process-wide read model of the holiday calendar, used synchronously by opening hours and deadlines.

It is read from the database when the app starts, after every load in this process, at once in every other process
when a load commits (PostgreSQL: a notification of `CALENDAR_CHANNEL`, api.notifications_bus), and every
`REFRESH_SECONDS` by each worker (on SQLite, where nothing is notified, a year loaded by the CLI is seen within that
time; on PostgreSQL it is the safety net).
Until it is read, and for every year with no published schedule, days are unknown: callers count them as
Monday to Friday but say that the answer is not certain.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database
from models import CalendarDay, CalendarYear

logger = structlog.get_logger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
REFRESH_SECONDS = 60
CALENDAR_CHANNEL = "svcdir_calendar_changed"
SATURDAY = 5
# What a refresh runs when the years known changed (api.feedback.provisional.recompute_in, passed in by the app: the
# read model imports no feedback code).
YearsChanged = Callable[[], Awaitable[object]]


@dataclass(frozen=True, eq=False)
class HolidayCalendar:
    years: frozenset[int] = frozenset()
    holidays: Mapping[date, str | None] = field(default_factory=lambda: MappingProxyType({}))
    workdays: Mapping[date, str | None] = field(default_factory=lambda: MappingProxyType({}))

    def knows(self, day: date) -> bool:
        return day.year in self.years

    def holiday_name(self, day: date) -> str | None:
        return self.holidays.get(day)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays

    def is_make_up_workday(self, day: date) -> bool:
        return day in self.workdays

    def is_workday(self, day: date) -> bool:
        """Make-up workdays and weekdays that are not holidays; an unknown year's days are Monday to Friday."""
        return day in self.workdays or (day.weekday() < SATURDAY and day not in self.holidays)

    def covered_until(self, today: date) -> date | None:
        """The last day of the unbroken run of known years from today's; None when today's year is unknown."""
        year = today.year
        if year not in self.years:
            return None
        while year + 1 in self.years:
            year += 1
        return date(year, 12, 31)

    def days_ahead(self, today: date) -> int:
        last = self.covered_until(today)
        return (last - today).days if last else 0


_current = HolidayCalendar()


def current() -> HolidayCalendar:
    return _current


def install(calendar: HolidayCalendar) -> None:
    global _current  # noqa: PLW0603  (one immutable snapshot per process, swapped whole)
    _current = calendar


def shanghai_today(now: datetime | None = None) -> date:
    return (now or datetime.now(SHANGHAI)).astimezone(SHANGHAI).date()


async def read(session: AsyncSession) -> HolidayCalendar:
    """The calendar as this session sees it (inside a load's transaction: with the year just written)."""
    years = frozenset((await session.scalars(select(CalendarYear.year))).all())
    holidays: dict[date, str | None] = {}
    workdays: dict[date, str | None] = {}
    for row in await session.execute(select(CalendarDay.day, CalendarDay.kind, CalendarDay.name)):
        (holidays if row.kind == "holiday" else workdays)[row.day] = row.name
    return HolidayCalendar(years, MappingProxyType(holidays), MappingProxyType(workdays))


def install_after_commit(session: AsyncSession, calendar: HolidayCalendar) -> None:
    """Serve `calendar` once the session's transaction commits (a rolled-back load changes nothing)."""
    event.listen(session.sync_session, "after_commit", lambda _session: install(calendar), once=True)


async def reload(database: Database) -> HolidayCalendar:
    async with database.sessionmaker() as session:
        calendar = await read(session)
    install(calendar)
    return calendar


async def refresh(database: Database, on_years_changed: YearsChanged | None = None) -> None:
    """Read the calendar again; when the years known differ from the copy this process had, `on_years_changed`
    (the recount of provisional deadlines, which some of this process's requests may have counted stale)."""
    try:
        known_before = _current.years
        calendar = await reload(database)
        if on_years_changed is not None and calendar.years != known_before:
            await on_years_changed()
    except Exception:  # noqa: BLE001  (the last calendar read stays in use; retried at the next interval)
        logger.exception("holiday_calendar_refresh_failed")


async def refresh_loop(
    database: Database, interval_seconds: float = REFRESH_SECONDS, on_years_changed: YearsChanged | None = None
) -> None:
    """Each worker reads the calendar again every interval (after reading it at start): whatever a notification
    did not bring (SQLite; a listener between connections) is seen within it."""
    while True:
        await asyncio.sleep(interval_seconds)
        await refresh(database, on_years_changed)
