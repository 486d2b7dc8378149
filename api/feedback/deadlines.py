"""Deadlines in Chinese working days: statutory holidays and make-up workdays come from chinese-calendar."""

from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar

from api.directory.hours import SHANGHAI

# Working days the team has to answer, by kind (a complaint is the most urgent).
WORKING_DAYS_BY_KIND = {"complaint": 5, "correction": 3, "suggestion": 10, "praise": 10}
END_OF_WORKING_DAY = time(18, 0)


def _is_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Years the calendar does not know yet: Monday to Friday.
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (the day of submission itself does not count)."""
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if _is_workday(day):
            remaining -= 1
    return day


def due_at(kind: str, received: datetime) -> datetime:
    """End of the last working day the team has for this kind of feedback, received at `received`."""
    local_day = received.astimezone(SHANGHAI).date()
    last_day = add_working_days(local_day, WORKING_DAYS_BY_KIND[kind])
    return datetime.combine(last_day, END_OF_WORKING_DAY, tzinfo=SHANGHAI).astimezone(UTC)
