"""Loading a year of the holiday calendar: checked, written whole, audited, and followed by the deadlines it
decides. The admin endpoint, the CLI and the seed all load through here.

The deadlines belong to the feedback domain: the caller (the admin route, the CLI) passes the step that counts them
again (api.feedback.provisional.recompute), so the calendar's services and read model import no feedback code."""

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, race_hooks
from api.calendar import days
from api.calendar.schemas import FIRST_YEAR, LAST_YEAR, CalendarDayIn, YearLoaded, YearSchedule
from api.db import PublicRead
from api.errors import ValidationFailed
from api.notifications_bus import notify
from models import CalendarDay, CalendarYear
from models.base import utcnow

# Counts the provisional deadlines again inside the load's transaction; how many it counted.
Recompute = Callable[[AsyncSession], Awaitable[int]]

SATURDAY = 5


class InvalidCalendar(ValidationFailed):
    code, title = "invalid_calendar", "The holiday schedule is not valid"


def check(year: int, schedule: YearSchedule) -> None:
    """Every date inside `year`, none listed twice, none both a day off and a make-up workday, make-up workdays on a
    weekend (the days they replace); every problem is named in `errors`."""
    errors: list[dict[str, Any]] = []

    def problem(kind: str, index: int, message: str, error_type: str) -> None:
        errors.append({"loc": ["body", kind, index, "date"], "msg": message, "type": error_type})

    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.append({"loc": ["path", "year"], "msg": f"between {FIRST_YEAR} and {LAST_YEAR}", "type": "year_range"})
    seen: dict[dt.date, str] = {}
    for kind, listed in (("holidays", schedule.holidays), ("workdays", schedule.workdays)):
        for index, entry in enumerate(listed):
            if entry.date.year != year:
                problem(kind, index, f"{entry.date} is not in {year}", "date_outside_year")
            if kind == "workdays" and entry.date.weekday() < SATURDAY:
                message = f"{entry.date} is a weekday: a make-up workday replaces a weekend day"
                problem(kind, index, message, "workday_not_weekend")
            earlier = seen.get(entry.date)
            if earlier == kind:
                problem(kind, index, f"{entry.date} is listed twice", "duplicate_date")
            elif earlier is not None:
                problem(kind, index, f"{entry.date} is both a holiday and a make-up workday", "holiday_and_workday")
            seen.setdefault(entry.date, kind)
    if errors:
        raise InvalidCalendar(f"the schedule of {year} is not valid; see `errors`", errors=errors)


async def store_year(
    session: AsyncSession, year: int, schedule: YearSchedule, *, actor_id: int | None
) -> tuple[bool, dict[str, int]]:
    """Write the year whole, replacing any earlier load of it; (replaced, the previous day counts).

    Two loads of one year run one after the other, the later replacing the earlier: a loaded year's row is locked,
    and of two loads of a year not loaded yet the second's insert fails once the first commits, and it replaces."""
    check(year, schedule)
    row = await session.get(CalendarYear, year, with_for_update=True)
    if row is None:
        await race_hooks.after_check("calendar_year_insert")
        try:
            async with session.begin_nested():
                session.add(CalendarYear(year=year, source=schedule.source, loaded_by=actor_id))
        except IntegrityError:
            row = await session.get(CalendarYear, year, with_for_update=True, populate_existing=True)
            if row is None:
                raise
    replaced, previous = row is not None, {"holidays": 0, "workdays": 0}
    if row is not None:
        previous = await counts(session, year)
        await session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        row.source, row.loaded_by, row.loaded_at = schedule.source, actor_id, utcnow()
        await session.flush()
    session.add_all(_day_rows(year, "holiday", schedule.holidays) + _day_rows(year, "workday", schedule.workdays))
    await session.flush()
    # Every other process (other workers, other instances) reads the calendar again once this commits.
    await notify(session, days.CALENDAR_CHANNEL)
    return replaced, previous


def _day_rows(year: int, kind: str, listed: list[CalendarDayIn]) -> list[CalendarDay]:
    return [CalendarDay(day=entry.date, year=year, kind=kind, name=entry.name) for entry in listed]


async def counts(session: AsyncSession, year: int) -> dict[str, int]:
    rows = await session.execute(
        select(CalendarDay.kind, func.count()).where(CalendarDay.year == year).group_by(CalendarDay.kind)
    )
    by_kind = {kind: count for kind, count in rows}
    return {"holidays": by_kind.get("holiday", 0), "workdays": by_kind.get("workday", 0)}


async def load_year(
    session: AsyncSession, year: int, schedule: YearSchedule, *, actor_id: int | None, recompute: Recompute
) -> YearLoaded:
    """An admin's (or the CLI's) load: stored, deadlines recomputed (by `recompute`), audited, served once
    committed."""
    replaced, previous = await store_year(session, year, schedule, actor_id=actor_id)
    recomputed = await recompute(session)
    calendar = await days.read(session)
    audit.record(
        session,
        actor_id=actor_id,
        action="calendar_year_replaced" if replaced else "calendar_year_loaded",
        object_type="calendar_year",
        object_id=year,
        details={
            "source": schedule.source,
            "holidays": len(schedule.holidays),
            "workdays": len(schedule.workdays),
            "previous": previous if replaced else None,
            "deadlines_recomputed": recomputed,
        },
    )
    await session.flush()
    days.install_after_commit(session, calendar)
    return YearLoaded(
        year=year,
        replaced=replaced,
        holidays=len(schedule.holidays),
        workdays=len(schedule.workdays),
        deadlines_recomputed=recomputed,
    )


async def public_calendar(public: PublicRead, year: int | None, today: dt.date) -> dict[str, Any]:
    async with public.session() as session:
        return await calendar_answer(session, year, today)


async def calendar_answer(session: AsyncSession, year: int | None, today: dt.date) -> dict[str, Any]:
    """The public calendar: the years known, and the days of `year` (or of this year and later)."""
    years = (await session.scalars(select(CalendarYear).order_by(CalendarYear.year))).all()
    totals = await session.execute(
        select(CalendarDay.year, CalendarDay.kind, func.count()).group_by(CalendarDay.year, CalendarDay.kind)
    )
    per_year: dict[tuple[int, str], int] = {(row[0], row[1]): row[2] for row in totals}
    listed = select(CalendarDay).order_by(CalendarDay.day)
    listed = listed.where(CalendarDay.year == year) if year else listed.where(CalendarDay.year >= today.year)
    known = days.HolidayCalendar(years=frozenset(row.year for row in years))
    return {
        "years": [
            {
                "year": row.year,
                "source": row.source,
                "loaded_at": row.loaded_at,
                "holidays": per_year.get((row.year, "holiday"), 0),
                "workdays": per_year.get((row.year, "workday"), 0),
            }
            for row in years
        ],
        "covered_until": known.covered_until(today),
        "days": [
            {"date": day.day, "kind": day.kind, "name": day.name} for day in (await session.scalars(listed)).all()
        ],
    }
