"""What a feedback is about: a published listing, event, article or bundle, or a point on the map."""

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import ValidationFailed
from api.geo import CoordSystem, bounding_box, to_wgs84
from api.http import id_from_text
from api.visibility import publicly_visible
from models import Article, Bundle, District, Event, Place

# A point is given the district of the nearest listing within this distance (listings lie inside districts).
NEAREST_LISTING_M = 3000.0
# The fields a correction may name.
CORRECTABLE_FIELDS = (
    "name",
    "address",
    "phones",
    "opening_hours",
    "website",
    "location",
    "accessibility",
    "capacity",
    "description",
    "attributes",
    "category",
    "status",
)


@dataclass(frozen=True)
class ResolvedTarget:
    kind: str | None
    key: str | None
    category: str | None
    district: str | None
    lat: float | None
    lng: float | None


def _invalid(location: str, message: str, error_type: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"loc": ["body", location], "msg": message, "type": error_type}])


async def resolve(
    session: AsyncSession,
    target_kind: str | None,
    target_id: str | None,
    location: tuple[float, float] | None,
    coord: CoordSystem,
    district: str | None,
) -> ResolvedTarget:
    if target_kind is None and location is None:
        raise _invalid("target", "say what the feedback is about: a target, a location, or both", "target_required")
    lat = lng = None
    if location is not None:
        lat, lng = to_wgs84(location[0], location[1], coord)
        if not (30.6 <= lat <= 31.9 and 120.8 <= lng <= 122.2):
            raise _invalid("location", "the location is not in Shanghai", "outside_shanghai")
    category = target_district = None
    if target_kind is not None:
        category, target_district, target_lat, target_lng = await _target_facts(session, target_kind, target_id)
        if lat is None:
            lat, lng = target_lat, target_lng
    if district is not None and await session.get(District, district) is None:
        raise _invalid("district", f"unknown district code {district}", "unknown_district")
    derived = target_district or (await _district_near(session, lat, lng) if lat is not None else None)
    return ResolvedTarget(target_kind, target_id, category, district or derived, lat, lng)


async def _target_facts(
    session: AsyncSession, kind: str, key: str | None
) -> tuple[str | None, str | None, float | None, float | None]:
    """(category, district, lat, lng) of a published target; 422 when there is no such target."""
    number = id_from_text(key) if key is not None else None
    statements = {
        "place": select(Place.category_code, Place.district_code, Place.lat, Place.lng).where(
            Place.id == number, publicly_visible(Place)
        ),
        "event": select(Event.category_code, Event.district_code).where(Event.id == number, publicly_visible(Event)),
        "article": select(Article.id).where(Article.id == number, publicly_visible(Article)),
        "bundle": select(Bundle.code).where(Bundle.code == key, publicly_visible(Bundle)),
    }
    row = None
    if number is not None or kind == "bundle":
        row = (await session.execute(statements[kind])).first()
    if row is None:
        raise _invalid("target", f"there is no published {kind} {key}", "unknown_target")
    if kind == "place":
        return row.category_code, row.district_code, row.lat, row.lng
    if kind == "event":
        return row.category_code, row.district_code, None, None
    return None, None, None, None


async def _district_near(session: AsyncSession, lat: float, lng: float) -> str | None:
    south, north, west, east = bounding_box(lat, lng, NEAREST_LISTING_M)
    rows = await session.execute(
        select(Place.district_code, Place.lat, Place.lng).where(
            Place.lat.between(south, north),
            Place.lng.between(west, east),
            Place.deleted_at.is_(None),
        )
    )
    nearest = min(
        rows, key=lambda row: (row.lat - lat) ** 2 + ((row.lng - lng) * math.cos(math.radians(lat))) ** 2, default=None
    )
    return nearest.district_code if nearest is not None else None
