"""A place as residents read it: its summary in lists, its details, a page with facet counts."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.directory.catalogue.schemas import LatLng


class PlaceSummary(BaseModel):
    id: int
    name: str
    category: str
    category_name: str
    district: str
    district_name: str
    street: str | None
    street_name: str | None
    address: str
    location: LatLng
    open_now: bool | None = Field(description="null when the listing has no opening hours")
    hours_note: Literal["holiday_schedule_unknown"] | None = Field(
        default=None,
        description="`holiday_schedule_unknown`: the hours depend on statutory holidays and this day's year has no "
        "published schedule yet, so `open_now` is read from the weekly hours as on an ordinary day",
    )
    capacity: int | None = Field(
        default=None, description="Only for categories with live figures; null for a sample (`sample: true`)."
    )
    available: int | None = Field(default=None, description="Free beds, spaces or connectors; null for a sample.")
    available_updated_at: datetime | None = Field(
        default=None,
        description="When `available` was true: the reporting machine's own time (`as_of`), or when an operator set "
        "it by hand.",
    )
    available_age_seconds: int | None = Field(
        default=None,
        description="How old `available` is, in seconds, when this answer was made (see its `Date` header); null "
        "when unknown or for a sample.",
    )
    sample: bool = Field(description="true for realistic sample data, not a real listing")
    distance_m: float | None = Field(default=None, description="Only with `near`: metres from that point.")


class FacetCount(BaseModel):
    value: str
    name: str
    count: int


class PlacePage(BaseModel):
    items: list[PlaceSummary]
    next_cursor: str | None = None
    facets: dict[str, list[FacetCount]] | None = Field(default=None, description="Only with `facets=`.")


class PlaceDetail(PlaceSummary):
    name_zh: str
    name_en: str | None
    address_zh: str
    address_en: str | None
    description: str | None
    phones: list[str]
    website: str | None
    opening_hours: dict[str, Any] | None
    accessibility: list[str]
    languages: list[str]
    tags: list[str]
    attributes: dict[str, Any]
    live_capacity_unit: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = Field(
        description="When the district office last confirmed the listing is accurate; null: not yet confirmed."
    )
