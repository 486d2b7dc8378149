"""A listing with a location: the directory's main aggregate."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field

from models.base import PublishableFields, json_column, status_check, timestamp_column


class Place(PublishableFields, table=True):
    __tablename__ = "place"
    __table_args__ = (
        CheckConstraint(status_check(), name="status"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lng BETWEEN -180 AND 180", name="coordinates"),
        # A draft may wait for its location (an imported row without coordinates); a published listing has one.
        CheckConstraint(
            "(lat IS NULL) = (lng IS NULL) AND (status <> 'published' OR lat IS NOT NULL)", name="published_located"
        ),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_non_negative"),
        CheckConstraint(
            "available IS NULL OR (available >= 0 AND (capacity IS NULL OR available <= capacity))",
            name="available_within_capacity",
        ),
        # With the id last, "this district's listings in id order" is one index range, not a scan of every id.
        Index("ix_place_status_category_code_id", "status", "category_code", "id"),
        Index("ix_place_status_district_code_id", "status", "district_code", "id"),
        Index("ix_place_lat_lng", "lat", "lng"),
        # A district office's own key for its listing: importing its list again updates the listing it names.
        UniqueConstraint("district_code", "source_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Stable key of rows that come from a source (the seed, an import) so that loading again updates in place.
    source_ref: str | None = Field(default=None, max_length=120, unique=True)
    source_id: str | None = Field(default=None, max_length=120)
    category_code: str = Field(foreign_key="category.code", max_length=60)
    name: str = Field(max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    # Derived on every write (api.listings.derived): the name's pinyin, which `sort=name` orders by.
    name_sort: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    description: str | None = Field(default=None, sa_type=Text)
    address: str = Field(max_length=300)
    address_en: str | None = Field(default=None, max_length=300)
    district_code: str = Field(foreign_key="district.code", max_length=6)
    street_code: str | None = Field(default=None, foreign_key="street.code", index=True, max_length=9)
    lat: float | None = None
    lng: float | None = None
    phones: list[str] = json_column(list)
    website: str | None = Field(default=None, max_length=300)
    opening_hours: dict[str, Any] | None = json_column()
    # Derived on every write (api.listings.derived): the schedule row of `opening_hours`, and the
    # accessibility features as bits, so that open-now and accessibility filters run in SQL.
    schedule_id: int | None = Field(default=None, foreign_key="opening_schedule.id", index=True)
    accessibility: list[str] = json_column(list)
    accessibility_mask: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    languages: list[str] = json_column(list)
    tags: list[str] = json_column(list)
    attributes: dict[str, Any] = json_column(dict)
    capacity: int | None = None
    available: int | None = None
    available_updated_at: datetime | None = timestamp_column(nullable=True)
    # When an operator last confirmed the listing is still accurate (residents see it; 180 days → stale).
    verified_at: datetime | None = timestamp_column(nullable=True)
    verified_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    # What an operator must look at before publishing: [{"code", "message", …}] (needs_location,
    # possible_duplicate, incomplete); `warning_count` is derived on every write so that lists filter on it in SQL.
    warnings: list[dict[str, Any]] = json_column(list)
    warning_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
