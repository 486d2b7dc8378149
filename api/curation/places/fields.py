"""The editable fields of a listing, one shape for every way it is written (created, merge-patched, imported,
corrected, reverted) and for its history's snapshots, with the rules of a draft and of a publishable listing."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.http import RequestBody
from api.listings.attributes import ATTRIBUTE_SCHEMAS
from api.listings.derived import ACCESSIBILITY_FEATURES
from api.listings.hours import OpeningHours
from models import Place

Phone = Annotated[str, Field(min_length=3, max_length=30, pattern=r"^[0-9+()\- ]+(转[0-9]{1,6})?$")]
ShortText = Annotated[str, Field(min_length=1, max_length=40)]
AccessibilityFeature = Literal[ACCESSIBILITY_FEATURES]  # type: ignore[valid-type]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class PlaceFields(RequestBody):
    """A listing as an operator writes it. Coordinates are WGS-84 (convert GCJ-02 and BD-09 before)."""

    name: str = Field(min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    category: str = Field(min_length=1, max_length=60, description="A place category code from /v1/categories.")
    district: str = Field(pattern=r"^[0-9]{6}$", description="District code, e.g. 310110.")
    street: str | None = Field(default=None, pattern=r"^[0-9]{9}$", description="Street or town code.")
    address: str = Field(min_length=1, max_length=300)
    address_en: str | None = Field(default=None, max_length=300)
    location: Location | None = Field(default=None, description="Needed to publish; a draft may wait for it.")
    phones: list[Phone] = Field(default_factory=list, max_length=5)
    website: str | None = Field(default=None, max_length=300, pattern=r"^https?://\S+$")
    opening_hours: OpeningHours | None = Field(default=None, description="Needed to publish.")
    accessibility: list[AccessibilityFeature] = Field(default_factory=list, max_length=len(ACCESSIBILITY_FEATURES))
    languages: list[ShortText] = Field(default_factory=list, max_length=10)
    tags: list[ShortText] = Field(default_factory=list, max_length=20)
    attributes: dict[str, Any] = Field(
        default_factory=dict, description="The category's attributes; the required ones are needed to publish."
    )
    capacity: int | None = Field(default=None, ge=0, le=1_000_000)
    description: str | None = Field(default=None, max_length=5000)
    source_id: str | None = Field(
        default=None, min_length=1, max_length=120, description="The district office's own key for the listing."
    )


def snapshot(place: Place) -> dict[str, Any]:
    """The listing's editable fields as the API shows them (and as its history keeps them)."""
    return {
        "name": place.name,
        "name_en": place.name_en,
        "category": place.category_code,
        "district": place.district_code,
        "street": place.street_code,
        "address": place.address,
        "address_en": place.address_en,
        "location": None if place.lat is None or place.lng is None else {"lat": place.lat, "lng": place.lng},
        "phones": list(place.phones or []),
        "website": place.website,
        "opening_hours": place.opening_hours,
        "accessibility": list(place.accessibility or []),
        "languages": list(place.languages or []),
        "tags": list(place.tags or []),
        "attributes": dict(place.attributes or {}),
        "capacity": place.capacity,
        "description": place.description,
        "source_id": place.source_id,
    }


def stored(fields: PlaceFields) -> dict[str, Any]:
    """The fields in their stored (JSON) form, comparable with `snapshot`."""
    return fields.model_dump(mode="json", exclude_none=False) | {
        "opening_hours": fields.opening_hours.model_dump(mode="json") if fields.opening_hours else None,
    }


def apply(place: Place, values: dict[str, Any]) -> None:
    """Set the listing's columns from stored-form fields (only those that differ, so that nothing else is dirty)."""
    location = values["location"]
    columns = {
        "name": values["name"],
        "name_en": values["name_en"],
        "category_code": values["category"],
        "district_code": values["district"],
        "street_code": values["street"],
        "address": values["address"],
        "address_en": values["address_en"],
        "lat": location["lat"] if location else None,
        "lng": location["lng"] if location else None,
        "phones": values["phones"],
        "website": values["website"],
        "opening_hours": values["opening_hours"],
        "accessibility": values["accessibility"],
        "languages": values["languages"],
        "tags": values["tags"],
        "attributes": values["attributes"],
        "capacity": values["capacity"],
        "description": values["description"],
        "source_id": values["source_id"],
    }
    for column, value in columns.items():
        if getattr(place, column) != value:
            setattr(place, column, value)


def attribute_problems(category: str, attributes: dict[str, Any], *, complete: bool) -> list[dict[str, Any]]:
    """What is wrong with the attributes for this category, as 422 error items. A draft may lack required
    attributes (`complete=False`), but what it has must be of the right kind."""
    schema = ATTRIBUTE_SCHEMAS.get(category)
    if schema is None:
        return [{"loc": ["body", "category"], "msg": "not a category of places", "type": "unknown_category"}]
    problems = []
    try:
        schema.model_validate(attributes)
    except ValidationError as exc:
        problems = [
            {"loc": ["body", "attributes", *map(str, error["loc"])], "msg": error["msg"], "type": error["type"]}
            for error in exc.errors()
            if complete or error["type"] != "missing"
        ]
    # A park's type is also its category (park.city, park.pocket, park.country): the two must agree.
    park_type = attributes.get("park_type")
    if category.startswith("park.") and isinstance(park_type, str) and category != f"park.{park_type}":
        problems.append(
            {
                "loc": ["body", "attributes", "park_type"],
                "msg": f"park_type {park_type!r} does not match category {category}",
                "type": "park_type_mismatch",
            }
        )
    return problems


def publication_problems(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Why a listing cannot be published yet, as 422 error items: it needs a location, opening hours, and every
    attribute its category requires."""
    problems = []
    if values["location"] is None:
        problems.append(
            {"loc": ["body", "location"], "msg": "a published listing needs its location", "type": "missing"}
        )
    if values["opening_hours"] is None:
        problems.append(
            {"loc": ["body", "opening_hours"], "msg": "a published listing needs its opening hours", "type": "missing"}
        )
    problems.extend(attribute_problems(values["category"], values["attributes"], complete=True))
    return problems
