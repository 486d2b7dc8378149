"""Loading a year of the holiday calendar: checked, written whole, audited, and followed by the deadlines it
decides. The admin endpoint, the CLI and the seed all load through here."""

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.calendar import days
from api.calendar.schemas import FIRST_YEAR, LAST_YEAR, CalendarDayIn, YearLoaded, YearSchedule
from api.errors import ValidationFailed
from api.feedback import deadlines
from models import CalendarDay, CalendarYear, Feedback, FeedbackEvent
from models.base import utcnow

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
    """Write the year whole, replacing any earlier load of it; (replaced, the previous day counts)."""
    check(year, schedule)
    previous = await counts(session, year)
    row = await session.get(CalendarYear, year)
    replaced = row is not None
    if row is None:
        row = CalendarYear(year=year, source=schedule.source, loaded_by=actor_id)
        session.add(row)
    else:
        await session.execute(delete(CalendarDay).where(CalendarDay.year == year))
        row.source, row.loaded_by, row.loaded_at = schedule.source, actor_id, utcnow()
    await session.flush()
    session.add_all(_day_rows(year, "holiday", schedule.holidays) + _day_rows(year, "workday", schedule.workdays))
    await session.flush()
    return replaced, previous


def _day_rows(year: int, kind: str, listed: list[CalendarDayIn]) -> list[CalendarDay]:
    return [CalendarDay(day=entry.date, year=year, kind=kind, name=entry.name) for entry in listed]


async def counts(session: AsyncSession, year: int) -> dict[str, int]:
    rows = await session.execute(
        select(CalendarDay.kind, func.count()).where(CalendarDay.year == year).group_by(CalendarDay.kind)
    )
    by_kind = {kind: count for kind, count in rows}
    return {"holidays": by_kind.get("holiday", 0), "workdays": by_kind.get("workday", 0)}


async def load_year(session: AsyncSession, year: int, schedule: YearSchedule, *, actor_id: int | None) -> YearLoaded:
    """An admin's (or the CLI's) load: stored, audited, deadlines recomputed, served once committed."""
    replaced, previous = await store_year(session, year, schedule, actor_id=actor_id)
    calendar = await days.read(session)
    recomputed = await recompute_provisional_deadlines(session, calendar)
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


async def recompute_provisional_deadlines(session: AsyncSession, calendar: days.HolidayCalendar) -> int:
    """Count every provisional deadline again with `calendar`, from the moment it was counted from (receipt, or the
    reopened case's return to work); those the calendar now decides stop being provisional."""
    provisional = list((await session.scalars(select(Feedback).where(Feedback.due_provisional))).all())
    if not provisional:
        return 0
    restarted: dict[int, dt.datetime] = dict(
        (
            await session.execute(
                select(FeedbackEvent.feedback_id, func.max(FeedbackEvent.created_at))
                .where(
                    FeedbackEvent.feedback_id.in_([feedback.id for feedback in provisional]),
                    FeedbackEvent.from_status == "reopened",
                    FeedbackEvent.to_status == "in_progress",
                )
                .group_by(FeedbackEvent.feedback_id)
            )
        ).all()
    )
    for feedback in provisional:
        counted_from = restarted.get(feedback.id) or feedback.created_at
        if counted_from.tzinfo is None:  # func.max loses the column type on SQLite
            counted_from = counted_from.replace(tzinfo=dt.UTC)
        deadlines.set_due(feedback, counted_from, calendar)
    await session.flush()
    return len(provisional)


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
