"""The listing form: a listing's fields as the texts an operator reads and types, read back into the values the
curation services take, the merge patch of what the operator changed, and the services' refusals beside the fields.

Opening hours are written in the OpenStreetMap syntax (`Mo-Fr 08:30-17:00; PH off`), as the import and the
corrections take them; the category's attributes as the JSON object the import's column holds; lists (phones,
languages, tags) one item after another, separated by `;`.
"""

import json
import re
import unicodedata
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData

from api.console.forms import GENERAL
from api.console.i18n import N_, language_of, problem_text, text
from api.curation.formats.osm_hours import OsmHoursError, format_osm_hours, parse_osm_hours
from api.curation.places.fields import PlaceFields
from api.curation.places.writes import fields_of
from api.errors import AppError, ValidationFailed
from api.geo import to_wgs84
from api.listings.derived import ACCESSIBILITY_FEATURES

# The district is not edited in the form: a listing stays in the district it was made in.
EDITABLE = tuple(name for name in PlaceFields.model_fields if name != "district")
REQUIRED_TEXTS = ("name", "category", "address")
OPTIONAL_TEXTS = ("name_en", "street", "address_en", "website", "description", "source_id")
LISTS = ("phones", "languages", "tags")
LIST_SEPARATORS = re.compile(r"[;；,，、\n]+")
MAX_REASON = 500

FIELD_LABELS = {
    "name": N_("Name (Chinese)"),
    "name_en": N_("Name (English)"),
    "category": N_("Category"),
    "district": N_("District"),
    "street": N_("Street or town"),
    "address": N_("Address (Chinese)"),
    "address_en": N_("Address (English)"),
    "location": N_("Coordinates"),
    "lat": N_("Latitude"),
    "lng": N_("Longitude"),
    "coord": N_("Read from"),
    "phones": N_("Phone numbers"),
    "website": N_("Website"),
    "opening_hours": N_("Opening hours"),
    "accessibility": N_("Accessibility"),
    "languages": N_("Languages"),
    "tags": N_("Tags"),
    "attributes": N_("Category attributes"),
    "capacity": N_("Capacity"),
    "description": N_("Description"),
    "source_id": N_("Source ID"),
    "status": N_("Status"),
    "reason": N_("Why (for the history)"),
    "available": N_("Free now"),
}
# Coordinates are typed as the operator's map shows them and kept in WGS-84: Amap and Tencent Maps show GCJ-02,
# Baidu Maps BD-09 (api.geo converts them, as the API's `coord` does).
COORD_SYSTEMS = {
    "wgs84": N_("WGS-84 (GPS, Tianditu)"),
    "gcj02": N_("GCJ-02 (Amap, Tencent Maps)"),
    "bd09": N_("BD-09 (Baidu Maps)"),
}


def coord_options(request: Request) -> list[tuple[str, str]]:
    return [(code, text(request, label)) for code, label in COORD_SYSTEMS.items()]


ACCESSIBILITY_LABELS = {
    "wheelchair": N_("Wheelchair access"),
    "accessible_toilet": N_("Accessible toilet"),
    "elevator": N_("Lift"),
    "accessible_parking": N_("Accessible parking"),
    "hearing_loop": N_("Hearing loop"),
    "braille": N_("Braille"),
    "guide_dog": N_("Guide dogs welcome"),
    "sign_language": N_("Sign language"),
}
assert set(ACCESSIBILITY_LABELS) == set(ACCESSIBILITY_FEATURES), "every accessibility feature needs its label"
STATUS_LABELS = {"draft": N_("Draft"), "published": N_("Published"), "archived": N_("Archived")}
WARNING_LABELS = {
    "needs_location": N_("Needs coordinates"),
    "possible_duplicate": N_("Possible duplicate"),
    "incomplete": N_("Incomplete"),
}
SOURCE_LABELS = {
    "baseline": N_("As it was before its history began"),
    "manual": N_("Edited by hand"),
    "import": N_("Import"),
    "correction": N_("Resident's correction"),
    "revert": N_("Revert"),
}
LIVE_UNIT_LABELS = {
    "bed": N_("Free beds now"),
    "space": N_("Free parking spaces now"),
    "connector": N_("Free charging connectors now"),
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def form_of(values: dict[str, Any]) -> dict[str, Any]:
    """A listing's stored fields as the form's texts (accessibility: the list of ticked features)."""
    location = values.get("location")
    hours = values.get("opening_hours")
    attributes = values.get("attributes") or {}
    texts: dict[str, Any] = {name: _text(values.get(name)) for name in (*REQUIRED_TEXTS, *OPTIONAL_TEXTS)}
    return texts | {
        "district": _text(values.get("district")),
        "lat": repr(location["lat"]) if location else "",
        "lng": repr(location["lng"]) if location else "",
        **{name: "; ".join(values.get(name) or []) for name in LISTS},
        "opening_hours": format_osm_hours(hours) if hours else "",
        "accessibility": list(values.get("accessibility") or []),
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True, indent=1) if attributes else "",
        "capacity": _text(values.get("capacity")),
    }


def submitted_texts(form: FormData) -> dict[str, Any]:
    """What the operator sent, to show again beside the problems (the ticked features as a list)."""
    texts: dict[str, Any] = {key: value for key, value in form.items() if isinstance(value, str)}
    texts.pop("csrf_token", None)
    return texts | {"accessibility": [value for value in form.getlist("accessibility") if isinstance(value, str)]}


def _problem(field: str, kind: str, message: str) -> dict[str, Any]:
    return {"loc": ["body", field], "msg": message, "type": kind}


def _plain(text: str) -> str:
    # Digits, dots and separators typed full-width (１２０．５, ；) read as their plain forms.
    return unicodedata.normalize("NFKC", text).strip()


def _number(texts: dict[str, Any], field: str, problems: list[dict[str, Any]], kind: type) -> Any:
    text = _plain(texts.get(field, ""))
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        problems.append(_problem(field, "int_parsing" if kind is int else "float_parsing", f"{text!r} is not a number"))
        return None


def read_form(texts: dict[str, Any], base: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The form's texts as stored-form values of the editable fields, and what could not be read (as a service's
    422 items). Hours written as they were shown keep the stored hours they stand for."""
    problems: list[dict[str, Any]] = []
    values: dict[str, Any] = {name: str(texts.get(name, "")).strip() for name in REQUIRED_TEXTS}
    values |= {name: str(texts.get(name, "")).strip() or None for name in OPTIONAL_TEXTS}
    for name in LISTS:
        values[name] = [item.strip() for item in LIST_SEPARATORS.split(_plain(texts.get(name, ""))) if item.strip()]
    values["accessibility"] = list(texts.get("accessibility") or [])
    values["capacity"] = _number(texts, "capacity", problems, int)
    lat, lng = _number(texts, "lat", problems, float), _number(texts, "lng", problems, float)
    values["location"] = None
    coord = str(texts.get("coord") or "wgs84")
    if coord not in COORD_SYSTEMS:
        problems.append(_problem("coord", "literal_error", "one of " + ", ".join(COORD_SYSTEMS)))
        coord = "wgs84"
    if lat is not None and lng is not None:
        if coord != "wgs84" and -90 <= lat <= 90 and -180 <= lng <= 180:
            lat, lng = to_wgs84(lat, lng, coord)  # type: ignore[arg-type]
        values["location"] = {"lat": lat, "lng": lng}
    elif (lat is None) != (lng is None) and not problems:
        missing = "lng" if lng is None else "lat"
        problems.append(_problem(missing, "location_whole", "give both the latitude and the longitude, or neither"))
    hours_text = str(texts.get("opening_hours", "")).strip()
    values["opening_hours"] = None
    if hours_text and hours_text == form_of(base)["opening_hours"]:
        values["opening_hours"] = base.get("opening_hours")
    elif hours_text:
        try:
            values["opening_hours"] = parse_osm_hours(hours_text)
        except OsmHoursError as error:
            problems.append(_problem("opening_hours", error.code, error.message))
    values["attributes"] = _attributes(str(texts.get("attributes", "")), problems)
    return values, problems


def _attributes(text: str, problems: list[dict[str, Any]]) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        attributes = json.loads(text)
    except ValueError:
        problems.append(_problem("attributes", "json_invalid", "the attributes are not JSON"))
        return {}
    if not isinstance(attributes, dict):
        problems.append(_problem("attributes", "dict_type", 'the attributes are a JSON object: {"key": value}'))
        return {}
    return attributes


def unreadable(values: dict[str, Any], problems: list[dict[str, Any]]) -> ValidationFailed:
    """The refusal of a form some of whose texts could not be read: those, and what the listing's own rules find
    wrong in the rest, so that the operator sees every problem at once."""
    named = {str(problem["loc"][1]) for problem in problems}
    try:
        fields_of(values)
    except ValidationFailed as invalid:
        problems = problems + [e for e in invalid.errors or [] if len(e["loc"]) > 1 and str(e["loc"][1]) not in named]
    return ValidationFailed("the form could not be read", errors=problems)


def read_reason(texts: dict[str, Any], problems: list[dict[str, Any]]) -> str | None:
    reason = str(texts.get("reason", "")).strip()
    if len(reason) > MAX_REASON:
        problems.append(_problem("reason", "string_too_long", f"at most {MAX_REASON} characters"))
    return reason or None


def _object_patch(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        if key in old and old[key] == value:
            continue
        both_objects = isinstance(old.get(key), dict) and isinstance(value, dict)
        patch[key] = _object_patch(old[key], value) if both_objects else value
    return patch


def merge_patch_between(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The merge patch (RFC 7396) that turns the editable fields of `old` into those of `new`: only what changed,
    an emptied field as null, and inside an object (the attributes) each changed key, a removed one as null."""
    return _object_patch({name: old.get(name) for name in EDITABLE}, {name: new.get(name) for name in EDITABLE})


def _target(location: list[str]) -> tuple[str, str | None]:
    """The form field a problem's `loc` names, and the part of it (an attribute's key, a list's item) to say."""
    if len(location) < 2 or location[0] != "body":
        return GENERAL, None
    field, rest = location[1], location[2:]
    if field == "location":
        return ("lng" if rest[:1] == ["lng"] else "lat"), None
    if field in LISTS or field == "accessibility":
        return field, f"#{int(rest[0]) + 1}" if rest and rest[0].isdigit() else None
    if field in ("attributes", "opening_hours"):
        return field, ".".join(rest) or None
    if field in FIELD_LABELS:
        return field, None
    return GENERAL, None


def listing_errors(request: Request, error: AppError) -> dict[str, list[str]]:
    """A service's refusal as messages beside the form's fields (as `api.console.forms.field_errors`, with the
    listing's nested fields brought to the input that holds them: an attribute to the attributes' box, a phone to
    the phones, a coordinate to its own)."""
    language = language_of(request)
    messages: dict[str, list[str]] = {}
    for item in error.errors or []:
        field, part = _target([str(piece) for piece in item.get("loc") or []])
        message = problem_text(language, item.get("type"), str(item.get("msg") or error.detail))
        messages.setdefault(field, []).append(f"{part}: {message}" if part else message)
    if not messages:
        messages[GENERAL] = [problem_text(language, error.code, error.detail)]
    return messages
