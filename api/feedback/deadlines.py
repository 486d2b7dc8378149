"""Deadlines in Chinese working days, from the holiday calendar the project keeps (api/calendar).

A deadline whose counting passes through a year with no published holidays is provisional: its days are counted
as Monday to Friday, and it is counted again with the database's calendar after a load, when a worker's refresh
finds the years known changed, and in every housekeeping round (api.feedback.provisional).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from api.calendar import days as calendar_days
from api.timestamps import SHANGHAI

# Working days the team has to answer, by kind (a complaint is the most urgent).
WORKING_DAYS_BY_KIND = {"complaint": 5, "correction": 3, "suggestion": 10, "praise": 10}
END_OF_WORKING_DAY = time(18, 0)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime
    provisional: bool


def _count(start: date, days: int, calendar: calendar_days.HolidayCalendar) -> tuple[date, bool]:
    day, remaining, certain = start, days, True
    while remaining:
        day += timedelta(days=1)
        certain = certain and calendar.knows(day)
        if calendar.is_workday(day):
            remaining -= 1
    return day, not certain


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (the day of submission itself does not count)."""
    return _count(start, days, calendar_days.current())[0]


def deadline(kind: str, received: datetime, calendar: calendar_days.HolidayCalendar | None = None) -> Deadline:
    """End of the last working day the team has for this kind of feedback, received at `received`."""
    local_day = received.astimezone(SHANGHAI).date()
    last_day, provisional = _count(local_day, WORKING_DAYS_BY_KIND[kind], calendar or calendar_days.current())
    return Deadline(datetime.combine(last_day, END_OF_WORKING_DAY, tzinfo=SHANGHAI).astimezone(UTC), provisional)


def due_at(kind: str, received: datetime) -> datetime:
    return deadline(kind, received).due_at


def due_fields(kind: str, received: datetime) -> dict[str, Any]:
    """The feedback columns of a deadline counted from `received`."""
    counted = deadline(kind, received)
    return {"due_at": counted.due_at, "due_provisional": counted.provisional}


def set_due(feedback: Any, received: datetime, calendar: calendar_days.HolidayCalendar | None = None) -> None:
    """Give `feedback` (a models.Feedback) the deadline of its kind counted from `received`."""
    counted = deadline(feedback.kind, received, calendar)
    feedback.due_at, feedback.due_provisional = counted.due_at, counted.provisional


def working_days_left(due: datetime, now: datetime | None = None) -> int:
    """The working days from today (in Shanghai) to the deadline's day, as a caseworker counts them: 0 when it
    falls today, 1 when it falls on the next working day; negative when it has passed, by the working days since
    (-1 the working day after it). Days of a year with no published holidays count as Monday to Friday."""
    calendar = calendar_days.current()
    today = (now or datetime.now(UTC)).astimezone(SHANGHAI).date()
    due_day = due.astimezone(SHANGHAI).date()
    first, last, sign = (today, due_day, 1) if due_day >= today else (due_day, today, -1)
    days = sum(calendar.is_workday(first + timedelta(days=n)) for n in range(1, (last - first).days + 1))
    return sign * days
