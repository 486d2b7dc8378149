"""The statutory holiday calendar: per year, as the State Council publishes it, the days off and make-up workdays.

A year with no row is unknown: nothing may treat its days as certain.
"""

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from models.base import timestamp_column

CALENDAR_DAY_KINDS = ("holiday", "workday")


class CalendarYear(SQLModel, table=True):
    __tablename__ = "calendar_year"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    source: str = Field(max_length=300)  # the notice it was taken from (国办发明电〔…〕, a URL) or the seed file
    loaded_at: dt.datetime = timestamp_column()
    loaded_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")


class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('holiday', 'workday')", name="kind"),)

    day: dt.date = Field(sa_column=Column(Date, primary_key=True))
    year: int = Field(
        sa_column=Column(Integer, ForeignKey("calendar_year.year", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(max_length=8)
    name: str | None = Field(default=None, max_length=60)
