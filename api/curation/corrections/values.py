"""A correction's field on a listing: its current value, the resident's free-text suggestion read as a value of that
field where it can be, and a value (the suggestion or the operator's edit) checked as the listing it would make."""

import re
import unicodedata
from typing import Any

from pydantic import ValidationError

from api.curation.formats.osm_hours import OsmHoursError, parse_osm_hours
from api.curation.places.fields import PlaceFields, snapshot
from api.errors import ValidationFailed
from api.listings.derived import ACCESSIBILITY_FEATURES
from models import Place

# The status a correction may give a listing: residents only see published ones, and what they report about its
# status is that it closed for good.
CLOSED_STATUS = "archived"
# Between the items of a list a resident writes (after NFKC has made full-width `；` and `，` plain).
_LIST_SEPARATORS = re.compile(r"[;,、\n]+")


class CorrectionNotApplicable(ValidationFailed):
    code, title = "correction_not_applicable", "The suggested value cannot be used as it is"


class Unreadable(ValueError):
    """The suggestion is not a value of its field as it stands; the message says why, for the operator."""


def current_value(place: Place, field: str) -> Any:
    """The listing's value of a correctable field, in the API shape (`PlaceFields`; `status` as the listing's)."""
    return place.status if field == "status" else snapshot(place)[field]


def opening_hours_from_text(text: str) -> dict[str, Any]:
    """Hours a resident wrote in the OpenStreetMap syntax (`Mo-Fr 08:30-17:00; PH off`); anything else (`工作日
    八点半到五点`) the operator turns into a value."""
    try:
        return parse_osm_hours(text)
    except OsmHoursError as error:
        raise Unreadable(f"the hours are not in the opening_hours syntax ({error.message}): send the value") from error


def read_suggestion(field: str, text: str, categories: dict[str, str]) -> Any:
    """The resident's suggestion as a value of `field` in the API shape, or Unreadable. `categories` maps each place
    category's code and Chinese name to its code."""
    if field in ("name", "address", "description", "website"):
        return text.strip()
    # Digits and separators typed full-width (１２０, ；) read as their plain forms; names keep theirs.
    plain = unicodedata.normalize("NFKC", text).strip()
    if field == "phones":
        return [part.strip() for part in _LIST_SEPARATORS.split(plain) if part.strip()]
    if field == "capacity":
        if not re.fullmatch(r"[0-9]{1,7}", plain):
            raise Unreadable("the suggested capacity is not a whole number")
        return int(plain)
    if field == "accessibility":
        features = [part.strip() for part in _LIST_SEPARATORS.split(plain) if part.strip()]
        unknown = [feature for feature in features if feature not in ACCESSIBILITY_FEATURES]
        if unknown or not features:
            raise Unreadable(f"not accessibility codes: {', '.join(unknown) or plain}")
        return features
    if field == "category":
        named = categories.get(text.strip()) or categories.get(plain)
        if named is None:
            raise Unreadable("the suggestion names no place category")
        return named
    if field == "opening_hours":
        return opening_hours_from_text(plain)
    if field == "location":
        # A resident's coordinates come in no stated system (a phone's map app gives GCJ-02), often in either order.
        raise Unreadable("coordinates written by a resident are not read: send the location in WGS-84")
    if field == "status":
        raise Unreadable(f"a listing that closed for good is archived: send the value {CLOSED_STATUS!r}")
    raise Unreadable(f"a suggested {field} written as text is not read: send the value")


def fields_with(place: Place, field: str, value: Any, *, location: list[str]) -> PlaceFields:
    """The listing's fields with `field` set to `value`, validated; the problems, each at `location` + its own
    place in the value, as a 422."""
    values = snapshot(place) | {field: value}
    try:
        return PlaceFields.model_validate({key: values[key] for key in PlaceFields.model_fields})
    except ValidationError as exc:
        errors = [
            {
                # A problem elsewhere in the listing (one stored before today's rules) is named where it lies.
                "loc": [*location, *map(str, error["loc"][1:])]
                if error["loc"][:1] == (field,)
                else ["listing", *map(str, error["loc"])],
                "msg": error["msg"],
                "type": error["type"],
            }
            for error in exc.errors()
        ]
        raise ValidationFailed(f"the value is not a valid {field} of this listing", errors=errors) from exc


def proposal(place: Place, field: str, text: str | None, categories: dict[str, str]) -> tuple[Any, str | None]:
    """(the suggestion as a value the listing would take, None) or (None, why it cannot be used as it is)."""
    if not text:
        return None, "the correction suggests no value"
    try:
        value = read_suggestion(field, text, categories)
        if field != "status":
            fields_with(place, field, value, location=["suggested_value"])
    except Unreadable as unreadable:
        return None, str(unreadable)
    except ValidationFailed as invalid:
        return None, "; ".join(error["msg"] for error in invalid.errors or []) or invalid.detail
    return value, None
