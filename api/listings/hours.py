"""Structured opening hours in Asia/Shanghai, honouring statutory holidays and make-up workdays (调休).

Places that keep their weekly hours whatever the calendar says (parks, car parks) use `on_holidays="as_usual"`;
the others close (or keep Sunday hours) on statutory holidays and open with weekday hours on make-up workdays.
"""

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.calendar import days
from api.timestamps import SHANGHAI

HoursText = Annotated[str, Field(pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")]
Weekday = Annotated[int, Field(ge=1, le=7)]
MONDAY = 1
SUNDAY = 7


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class WeeklyRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    days: list[Weekday] = Field(min_length=1, max_length=7)
    opens: HoursText
    # A closing time at or before the opening time means the interval runs past midnight.
    closes: HoursText


class DatedException(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: date
    closed: bool = False
    opens: HoursText | None = None
    closes: HoursText | None = None
    note: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _hours_unless_closed(self) -> "DatedException":
        if not self.closed and (self.opens is None or self.closes is None):
            raise ValueError("an exception that is not closed needs opens and closes")
        return self


class OpeningHours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weekly: list[WeeklyRule] = Field(default_factory=list, max_length=14)
    exceptions: list[DatedException] = Field(default_factory=list, max_length=366)
    on_holidays: Literal["as_usual", "closed", "sunday_hours"] = "as_usual"


Interval = tuple[int, int]  # minutes from the day's midnight; end may exceed 1440 when past midnight


def _weekly_intervals(hours: OpeningHours, weekday: int) -> list[Interval]:
    intervals = []
    for rule in hours.weekly:
        if weekday in rule.days:
            start, end = _minutes(rule.opens), _minutes(rule.closes)
            intervals.append((start, end if end > start else end + 24 * 60))
    return intervals


def _calendar_day(day: date) -> tuple[bool, bool]:
    """(statutory holiday, make-up workday); an unknown year's days count as ordinary days (see is_certain_at)."""
    calendar = days.current()
    return calendar.is_holiday(day), calendar.is_make_up_workday(day)


def intervals_on(hours: OpeningHours, day: date) -> list[Interval]:
    for exception in hours.exceptions:
        if exception.date == day:
            if exception.closed:
                return []
            start, end = _minutes(exception.opens or "00:00"), _minutes(exception.closes or "24:00")
            return [(start, end if end > start else end + 24 * 60)]
    weekday = day.isoweekday()
    if hours.on_holidays != "as_usual":
        statutory_holiday, make_up_workday = _calendar_day(day)
        if statutory_holiday:
            return [] if hours.on_holidays == "closed" else _weekly_intervals(hours, SUNDAY)
        if make_up_workday:
            return _weekly_intervals(hours, MONDAY)
    return _weekly_intervals(hours, weekday)


HOLIDAY_SCHEDULE_UNKNOWN = "holiday_schedule_unknown"


def _follows_calendar_on(hours: OpeningHours, day: date) -> bool:
    """Whether the hours of `day` depend on the holiday calendar (no dated exception settles them)."""
    return hours.on_holidays != "as_usual" and all(exception.date != day for exception in hours.exceptions)


def hours_note_at(hours: OpeningHours, moment: datetime) -> str | None:
    """`holiday_schedule_unknown` when whether the place is open at `moment` depends on a day of a year whose
    holidays are not published yet (open_now is then read from the weekly hours, as on an ordinary day)."""
    calendar = days.current()
    today = moment.astimezone(SHANGHAI).date()
    yesterday = today - timedelta(days=1)
    if hours.on_holidays == "as_usual" or (calendar.knows(today) and calendar.knows(yesterday)):
        return None
    if not hours.weekly and not hours.exceptions:
        return None
    if not calendar.knows(today) and _follows_calendar_on(hours, today):
        return HOLIDAY_SCHEDULE_UNKNOWN
    past_midnight = any(end > 1440 for weekday in range(1, 8) for _, end in _weekly_intervals(hours, weekday))
    if past_midnight and not calendar.knows(yesterday) and _follows_calendar_on(hours, yesterday):
        return HOLIDAY_SCHEDULE_UNKNOWN
    return None


def is_open_at(hours: OpeningHours | dict | None, moment: datetime) -> bool | None:
    """Whether the place is open at `moment`; None when its hours are unknown."""
    if hours is None:
        return None
    if isinstance(hours, dict):
        hours = OpeningHours.model_validate(hours)
    if not hours.weekly and not hours.exceptions:
        return None
    local = moment.astimezone(SHANGHAI)
    minute = local.hour * 60 + local.minute
    today = local.date()
    if any(start <= minute < end for start, end in intervals_on(hours, today)):
        return True
    # Hours that began yesterday and run past midnight.
    yesterday = today - timedelta(days=1)
    return any(start <= minute + 24 * 60 < end for start, end in intervals_on(hours, yesterday) if end > 1440)
