"""What operators send and see when they curate a listing."""

import copy
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from api.curation.places.fields import Location, PlaceFields
from api.curation.places.writes import fields_of
from api.geo import CoordSystem, to_wgs84
from api.http import MAX_ID, RequestBody
from api.timestamps import ShanghaiTime

Reason = str | None
REASON_FIELD = Field(
    default=None, min_length=1, max_length=500, description="Why, for the listing's history and the audit trail."
)

PLACE_EXAMPLE: dict[str, Any] = {
    "name": "测试助餐点（示例）",
    "category": "elder_care.meal_site",
    "district": "310104",
    "address": "徐汇区示例路1号（示例地址）",
    "location": {"lat": 31.188, "lng": 121.437},
    "coord": "wgs84",
    "opening_hours": {
        "weekly": [{"days": [1, 2, 3, 4, 5], "opens": "11:00", "closes": "13:00"}],
        "on_holidays": "closed",
    },
    "attributes": {"meal_times": [{"meal": "lunch", "starts": "11:00", "ends": "13:00"}], "price_yuan": 12},
    "reason": "街道办提供的新助餐点",
}


class AvailabilityUpdate(RequestBody):
    available: int = Field(ge=0, le=1_000_000, description="Free places now (beds, spaces, seats).")
    capacity: int | None = Field(default=None, ge=0, le=1_000_000, description="Total, when it changed too.")


class PlaceCreate(PlaceFields):
    """A new draft listing: its fields, the coordinate system its location is given in, and why."""

    model_config = {"json_schema_extra": {"examples": [PLACE_EXAMPLE]}}

    coord: CoordSystem = Field(
        default="wgs84", description="The system of `location`: `gcj02` (Amap, Tencent) and `bd09` are converted."
    )
    reason: Reason = REASON_FIELD

    def fields(self) -> PlaceFields:
        """The listing's fields, its location in WGS-84 (422 should the converted point leave the map)."""
        values = self.model_dump(exclude={"coord", "reason"})
        if self.location is not None and self.coord != "wgs84":
            lat, lng = to_wgs84(self.location.lat, self.location.lng, self.coord)
            values["location"] = {"lat": lat, "lng": lng}
        return fields_of(values)


def _optional(info: Any) -> Any:
    field = copy.copy(info)
    field.default, field.default_factory = None, None
    return (info.annotation, field)


# Documents the PATCH body: the fields of a listing, each left out unless it changes. Never used to read a patch
# (api.curation.merge_patch reads it, and the result is validated whole as `PlaceFields`).
PlacePatch = create_model(
    "PlacePatch",
    __base__=RequestBody,
    __doc__="The fields that change; `null` clears an optional field.",
    **{name: _optional(info) for name, info in PlaceFields.model_fields.items()},
)


class StatusChange(RequestBody):
    reason: Reason = REASON_FIELD


class RevertRequest(RequestBody):
    model_config = {"json_schema_extra": {"examples": [{"version": 2, "reason": "恢复误改的电话"}]}}

    version: int = Field(ge=1, le=MAX_ID, description="The version (see the history) whose fields come back.")
    reason: Reason = REASON_FIELD


class StaffRef(BaseModel):
    id: int
    username: str | None


class PlaceWarning(BaseModel):
    code: str = Field(description="`needs_location`, `possible_duplicate`, `incomplete`, …")
    message: str

    model_config = {"extra": "allow"}


class ManagedPlaceSummary(BaseModel):
    id: int
    name: str
    category: str
    district: str
    street: str | None
    address: str
    status: Literal["draft", "published", "archived"]
    version: int
    updated_at: ShanghaiTime
    verified_at: ShanghaiTime | None
    stale: bool = Field(description="Nobody has confirmed the listing (verified it) for 180 days.")
    warnings: list[PlaceWarning]
    source_id: str | None
    has_location: bool


class ManagedPlacePage(BaseModel):
    items: list[ManagedPlaceSummary]
    next_cursor: str | None = None


class ManagedPlace(BaseModel):
    """A listing as its operators see it: every field, whatever its status. The ETag header is `"<version>"`."""

    id: int
    name: str
    name_en: str | None
    category: str
    district: str
    street: str | None
    address: str
    address_en: str | None
    location: Location | None
    phones: list[str]
    website: str | None
    opening_hours: dict[str, Any] | None
    accessibility: list[str]
    languages: list[str]
    tags: list[str]
    attributes: dict[str, Any]
    capacity: int | None
    description: str | None
    source_id: str | None
    status: Literal["draft", "published", "archived"]
    version: int
    warnings: list[PlaceWarning]
    stale: bool = Field(description="Nobody has confirmed the listing (verified it) for 180 days.")
    verified_at: ShanghaiTime | None
    verified_by: StaffRef | None
    created_at: ShanghaiTime
    updated_at: ShanghaiTime
    live_capacity_unit: str | None = Field(description="What `available` counts (beds, spaces); null: no live figures.")
    available: int | None
    available_updated_at: ShanghaiTime | None


class FieldChange(BaseModel):
    field: str = Field(description="A field, or `attributes.<key>` for one of the category's attributes.")
    old: Any
    new: Any


class PlaceVersion(BaseModel):
    version: int
    at: ShanghaiTime
    actor: StaffRef | None = Field(description="Who made it; null for the baseline or a removed account.")
    source: Literal["baseline", "manual", "import", "correction", "revert"]
    source_ref: int | None = Field(
        description="The import job (`import`), the resident's feedback (`correction`) or the version reverted to "
        "(`revert`)."
    )
    reason: str | None
    changes: list[FieldChange]


class PlaceHistoryPage(BaseModel):
    items: list[PlaceVersion]
    next_cursor: str | None = None
