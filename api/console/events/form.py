"""The event form's fields, to and from the service's event fields (api/curation/content/fields.py EventFields).

Times are typed as Shanghai local time (a datetime-local field) and sent with their +08:00 offset; the location is
two fields; the registration is left as it is (an edit that does not name it keeps it, as a merge patch does).
"""

from typing import Any

from api.console.rendering import local_time

TEXTS = ("title", "title_en", "category", "district", "summary", "body", "venue_name", "address", "organizer")
TIMES = ("starts_at", "ends_at")
EDITABLE = (*TEXTS, *TIMES, "venue_place_id", "location")
SHANGHAI_OFFSET = "+08:00"
LOCAL_PATTERN = "%Y-%m-%dT%H:%M"


def _time(text: str) -> str | None:
    """`2027-05-01T09:00` (a datetime-local field) as Shanghai time; anything else as typed, for the service to
    refuse beside the field."""
    if not text:
        return None
    if len(text) in (16, 19) and text[10:11] == "T" and "+" not in text:
        return text + (":00" if len(text) == 16 else "") + SHANGHAI_OFFSET
    return text


def event_values(form: dict[str, str]) -> dict[str, Any]:
    """The fields as the service takes them: an empty field is no value (null)."""
    values: dict[str, Any] = {name: (form.get(name) or "").strip() or None for name in TEXTS}
    for name in TIMES:
        values[name] = _time((form.get(name) or "").strip())
    venue = (form.get("venue_place_id") or "").strip()
    values["venue_place_id"] = int(venue) if venue.isdigit() and len(venue) < 11 else venue or None
    lat, lng = (form.get("lat") or "").strip(), (form.get("lng") or "").strip()
    values["location"] = {"lat": lat or None, "lng": lng or None} if lat or lng else None
    return values


def form_of(event: Any) -> dict[str, str]:
    """An event's fields as the form shows them."""
    values = {name: getattr(event, name) or "" for name in TEXTS}
    for name in TIMES:
        values[name] = local_time(getattr(event, name), LOCAL_PATTERN)
    values["venue_place_id"] = str(event.venue_place_id or "")
    location = event.location
    values["lat"], values["lng"] = (str(location.lat), str(location.lng)) if location else ("", "")
    return values
