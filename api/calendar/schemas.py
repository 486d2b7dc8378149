"""What an admin sends to load a year, and what the public calendar answers."""

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from api.http import RequestBody
from api.timestamps import ShanghaiTime

# A year's schedule is published in the autumn before it; earlier or much later years are a typing mistake.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class CalendarDayIn(RequestBody):
    date: dt.date
    name: str | None = Field(default=None, min_length=1, max_length=60, examples=["Spring Festival"])


class YearSchedule(RequestBody):
    """One year as the State Council's notice publishes it: every day off (including the weekend days inside a
    holiday period) and every make-up workday (调休上班), each named after its holiday."""

    source: str = Field(
        min_length=3, max_length=300, examples=["国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔…〕…号)"]
    )
    holidays: list[CalendarDayIn] = Field(min_length=1, max_length=366)
    workdays: list[CalendarDayIn] = Field(default_factory=list, max_length=366)


class CalendarDayOut(BaseModel):
    date: dt.date
    kind: Literal["holiday", "workday"]
    name: str | None


class CalendarYearOut(BaseModel):
    year: int
    source: str
    loaded_at: ShanghaiTime
    holidays: int = Field(description="Days off in the year")
    workdays: int = Field(description="Make-up workdays in the year")


class CalendarAnswer(BaseModel):
    years: list[CalendarYearOut]
    covered_until: dt.date | None = Field(
        description="The last day of the unbroken run of known years from today's; null when this year is unknown"
    )
    days: list[CalendarDayOut] = Field(description="The days of `year`, or of this year and later without it")


class YearLoaded(BaseModel):
    year: int
    replaced: bool = Field(description="true when the year was already loaded and its days were replaced")
    holidays: int
    workdays: int
    deadlines_recomputed: int = Field(description="Provisional feedback deadlines counted again with this year")
