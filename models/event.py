"""Time-bound city events: sports, festivals, community activities."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field

from models.base import EVENT_STATUSES, PublishableFields, UTCDateTime, json_column, status_check


class Event(PublishableFields, table=True):
    __tablename__ = "event"
    __table_args__ = (
        CheckConstraint(status_check(statuses=EVENT_STATUSES), name="status"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        Index("ix_event_status_starts_at", "status", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_ref: str | None = Field(default=None, max_length=120, unique=True)
    category_code: str = Field(foreign_key="category.code", index=True, max_length=60)
    title: str = Field(max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    summary: str | None = Field(default=None, max_length=500)
    body: str | None = Field(default=None, sa_type=Text)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    venue_place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    venue_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    district_code: str | None = Field(default=None, foreign_key="district.code", index=True, max_length=6)
    lat: float | None = None
    lng: float | None = None
    organizer: str | None = Field(default=None, max_length=200)
    registration: dict[str, Any] | None = json_column()
