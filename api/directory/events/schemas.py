"""City events as residents read them."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.directory.catalogue.schemas import LatLng


class EventSummary(BaseModel):
    id: int
    title: str
    category: str
    category_name: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str | None
    address: str | None
    district: str | None
    district_name: str | None
    location: LatLng | None
    registration_required: bool
    status: Literal["published", "cancelled"] = Field(
        description="`cancelled`: it will not take place. A cancelled event is still read by its id and comes "
        "through /v1/sync as a change, so that a phone that saved it shows it off; event lists and search do not "
        "offer it."
    )
    sample: bool
    distance_m: float | None = Field(default=None, description="Metres from `near`, when it is given.")


class EventDetail(EventSummary):
    title_zh: str
    title_en: str | None
    summary: str | None
    body: str | None
    organizer: str | None
    venue_place_id: int | None
    registration: dict[str, Any] | None
    version: int
    updated_at: datetime
