"""Category-specific attributes of a place, each category with its own typed, validated schema."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.errors import ValidationFailed

Yuan = Annotated[float, Field(ge=0, le=100000)]
Count = Annotated[int, Field(ge=0, le=100000)]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class _Attributes(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ElderServiceCenterAttributes(_Attributes):
    services: list[str] = Field(default_factory=list, max_length=30)
    day_care_places: Count | None = None
    respite_beds: Count | None = None
    operator: str | None = Field(default=None, max_length=100)


class MealTime(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meal: Literal["breakfast", "lunch", "dinner"]
    starts: ClockTime
    ends: ClockTime


class MealSiteAttributes(_Attributes):
    meal_times: list[MealTime] = Field(min_length=1, max_length=3)
    price_yuan: Yuan
    subsidised_price_yuan: Yuan | None = None
    seats: Count | None = None
    delivery: bool = False
    booking_phone: str | None = Field(default=None, max_length=30)


class SportHealthHomeAttributes(_Attributes):
    equipment: list[str] = Field(default_factory=list, max_length=30)
    area_m2: Annotated[float, Field(gt=0, le=100000)] | None = None
    guidance_sessions: bool = False


class NursingHomeAttributes(_Attributes):
    beds_total: Count
    dementia_beds: Count = 0
    monthly_fee_yuan_from: Yuan | None = None
    medical_partner: str | None = Field(default=None, max_length=100)
    accepts_long_term_care_insurance: bool = False

    @model_validator(mode="after")
    def _dementia_within_total(self) -> "NursingHomeAttributes":
        if self.dementia_beds > self.beds_total:
            raise ValueError("dementia_beds cannot exceed beds_total")
        return self


class ParkAttributes(_Attributes):
    park_type: Literal["city", "pocket", "country"]
    area_ha: Annotated[float, Field(gt=0, le=10000)]
    free_entry: bool = True
    ticket_yuan: Yuan | None = None


class ParkingAttributes(_Attributes):
    spaces_total: Count
    fee_rule: str = Field(max_length=200)
    ev_spaces: Count = 0
    height_limit_m: Annotated[float, Field(gt=0, le=10)] | None = None


class EvChargingAttributes(_Attributes):
    fast_connectors: Count = 0
    slow_connectors: Count = 0
    max_power_kw: Annotated[float, Field(gt=0, le=1000)]
    fee_rule: str | None = Field(default=None, max_length=200)


class ToiletAttributes(_Attributes):
    toilet_class: Literal["class_1", "class_2", "class_3"] = "class_2"
    open_24h: bool = False
    third_restroom: bool = False
    baby_care_room: bool = False


class ParcelLockerAttributes(_Attributes):
    operator: str = Field(max_length=50)
    compartments: Count


class CommunityHealthCenterAttributes(_Attributes):
    services: list[str] = Field(default_factory=list, max_length=30)
    family_doctor: bool = True


ATTRIBUTE_SCHEMAS: dict[str, type[_Attributes]] = {
    "elder_care.service_center": ElderServiceCenterAttributes,
    "elder_care.meal_site": MealSiteAttributes,
    "elder_care.sport_health_home": SportHealthHomeAttributes,
    "elder_care.nursing_home": NursingHomeAttributes,
    "park.city": ParkAttributes,
    "park.pocket": ParkAttributes,
    "park.country": ParkAttributes,
    "transport.parking": ParkingAttributes,
    "transport.ev_charging": EvChargingAttributes,
    "convenience.toilet": ToiletAttributes,
    "convenience.parcel_locker": ParcelLockerAttributes,
    "health.community_center": CommunityHealthCenterAttributes,
}


def validate_attributes(category_code: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """The attributes as stored: validated against the category's schema, defaults filled in."""
    schema = ATTRIBUTE_SCHEMAS.get(category_code)
    if schema is None:
        raise ValidationFailed(f"places cannot be listed under category {category_code!r}")
    try:
        validated = schema.model_validate(attributes)
    except ValidationError as exc:
        raise ValidationFailed(
            f"attributes do not fit category {category_code}",
            errors=[
                {"loc": ["attributes", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]} for e in exc.errors()
            ],
        ) from exc
    if isinstance(validated, ParkAttributes) and not category_code.endswith(validated.park_type):
        raise ValidationFailed(f"park_type {validated.park_type!r} does not match category {category_code}")
    return validated.model_dump(mode="json", exclude_none=True)
