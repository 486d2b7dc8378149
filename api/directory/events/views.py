"""What residents receive of an event: its summary in every list and its details, built here and nowhere else."""

from typing import Any

from api.directory.catalogue.schemas import LatLng
from api.directory.events.schemas import EventDetail, EventSummary
from api.geo import CoordSystem, haversine_m, shown_point
from api.http import Language, localized
from api.timestamps import to_local
from models import Category, District, Event


def _fields(
    event: Event, category: Category, district: District | None, language: Language, coord: CoordSystem
) -> dict[str, Any]:
    has_location = event.lat is not None and event.lng is not None
    return {
        "id": event.id,
        "title": localized(language, event.title, event.title_en),
        "category": event.category_code,
        "category_name": localized(language, category.name, category.name_en),
        "starts_at": to_local(event.starts_at),
        "ends_at": to_local(event.ends_at),
        "venue_name": event.venue_name,
        "address": event.address,
        "district": event.district_code,
        "district_name": localized(language, district.name, district.name_en) if district else None,
        "location": LatLng(**shown_point(event.lat, event.lng, coord)) if has_location else None,
        "registration_required": bool((event.registration or {}).get("required")),
        "status": event.status,
        "sample": event.is_sample,
    }


def summary(
    event: Event,
    category: Category,
    district: District | None,
    language: Language,
    coord: CoordSystem = "wgs84",
    *,
    near: tuple[float, float] | None = None,
) -> EventSummary:
    """`near` (WGS-84): the summary carries the event's distance from it."""
    fields = _fields(event, category, district, language, coord)
    if near:
        fields["distance_m"] = round(haversine_m(near[0], near[1], event.lat, event.lng), 1)
    return EventSummary(**fields)


def detail(
    event: Event, category: Category, district: District | None, language: Language, coord: CoordSystem
) -> EventDetail:
    return EventDetail(
        **_fields(event, category, district, language, coord),
        title_zh=event.title,
        title_en=event.title_en,
        summary=event.summary,
        body=event.body,
        organizer=event.organizer,
        venue_place_id=event.venue_place_id,
        registration=event.registration,
        version=event.version,
        updated_at=to_local(event.updated_at),
    )
