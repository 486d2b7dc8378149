"""What residents receive of a place: its summary in every list and its details, built here and nowhere else.

Summaries are plain dicts built once per row and serialised by orjson, with no model in between (the response
schemas in `schemas.py` document them for OpenAPI).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.catalogue.names import ReferenceNames, reference_names
from api.directory.places.facets import FacetCounts
from api.directory.places.open_now import open_schedules
from api.directory.places.query import PlaceQuery
from api.geo import haversine_m, shown_point
from api.http import Language, localized
from api.prepared import Reader
from api.timestamps import to_local
from models import Place

# The columns every summary is built from, selected as columns rather than ORM objects on every read of places.
SUMMARY_COLUMNS = (
    Place.id,
    Place.name,
    Place.name_en,
    Place.category_code,
    Place.district_code,
    Place.street_code,
    Place.address,
    Place.address_en,
    Place.lat,
    Place.lng,
    Place.schedule_id,
    Place.capacity,
    Place.available,
    Place.available_updated_at,
    Place.is_sample,
)
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    Place.description,
    Place.phones,
    Place.website,
    Place.opening_hours,
    Place.accessibility,
    Place.languages,
    Place.tags,
    Place.attributes,
    Place.version,
    Place.created_at,
    Place.updated_at,
    Place.verified_at,
)


@dataclass
class PlaceResults:
    items: list[dict[str, Any]]  # PlaceSummary fields
    next_cursor: str | None
    facets: FacetCounts | None = field(default=None)


def age_seconds(moment: datetime | None, now: datetime) -> int | None:
    """How old a live figure is at `now`, in whole seconds; 0 for one a machine dated a little ahead of our clock."""
    if moment is None:
        return None
    return max(0, int((now - moment).total_seconds()))


def _summary(
    row: Any,
    language: Language,
    query: PlaceQuery,
    open_state: Callable[[int | None], tuple[bool | None, str | None]],
    names: ReferenceNames,
    now: datetime,
) -> dict[str, Any]:
    category = names.categories[row.category_code]
    district = names.districts[row.district_code]
    open_now, hours_note = open_state(row.schedule_id)
    fields: dict[str, Any] = {
        "id": row.id,
        "name": localized(language, row.name, row.name_en),
        "category": row.category_code,
        "category_name": localized(language, category.name, category.name_en),
        "district": row.district_code,
        "district_name": localized(language, district.name, district.name_en),
        "street": row.street_code,
        "street_name": names.streets.get(row.street_code) if row.street_code else None,
        "address": localized(language, row.address, row.address_en),
        "location": shown_point(row.lat, row.lng, query.coord),
        "open_now": open_now,
        "hours_note": hours_note,
        "sample": row.is_sample,
    }
    if category.live_capacity_unit:
        # A sample's figures, whoever wrote them, would read as a real count of free beds or spaces: none shown
        # (and `available=true` never matches a sample, api.directory.places.plan).
        live = not row.is_sample
        fields["capacity"] = row.capacity if live else None
        fields["available"] = row.available if live else None
        fields["available_updated_at"] = to_local(row.available_updated_at) if live else None
        # Computed for each answer from the stored time, never kept: a cached answer is at most its `max-age`
        # older than it says (api.http.json_with_etag), and its ETag changes as the age does.
        fields["available_age_seconds"] = age_seconds(row.available_updated_at, now) if live else None
    if query.near:
        fields["distance_m"] = round(haversine_m(query.near[0], query.near[1], row.lat, row.lng), 1)
    return fields


async def summaries(
    source: AsyncSession | Reader, language: Language, query: PlaceQuery, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    """Summaries of these rows (SUMMARY_COLUMNS), after learning any schedule or reference name they use that is
    not known yet."""
    schedules = open_schedules(source)
    if not schedules.knows({row.schedule_id for row in rows if row.schedule_id is not None}):
        await schedules.refresh(source)
    names = await reference_names(source, rows)
    now = datetime.now(UTC)
    open_state = schedules.open_state(now)
    return [_summary(row, language, query, open_state, names, now) for row in rows]


async def detail(reader: Reader, row: Any, language: Language, query: PlaceQuery) -> dict[str, Any]:
    """PlaceDetail fields of a row of DETAIL_COLUMNS."""
    (summary,) = await summaries(reader, language, query, [row])
    names = await reference_names(reader)
    return {
        **summary,
        "name_zh": row.name,
        "name_en": row.name_en,
        "address_zh": row.address,
        "address_en": row.address_en,
        "description": row.description,
        "phones": row.phones,
        "website": row.website,
        "opening_hours": row.opening_hours,
        "accessibility": row.accessibility,
        "languages": row.languages,
        "tags": row.tags,
        "attributes": row.attributes,
        "live_capacity_unit": names.categories[row.category_code].live_capacity_unit,
        "version": row.version,
        "created_at": to_local(row.created_at),
        "updated_at": to_local(row.updated_at),
        "verified_at": to_local(row.verified_at),
    }
