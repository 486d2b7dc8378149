"""Opening schedules, stored once per distinct set of hours so that "open now" is decided per schedule (a few
hundred) rather than per listing (a hundred thousand), and filtered in SQL."""

from typing import Any

from sqlmodel import Field, SQLModel

from models.base import json_column


class OpeningSchedule(SQLModel, table=True):
    __tablename__ = "opening_schedule"

    id: int | None = Field(default=None, primary_key=True)
    # sha256 of the canonical JSON of `hours`: the same hours always map to the same row.
    fingerprint: str = Field(max_length=64, unique=True)
    hours: dict[str, Any] = json_column(dict)
