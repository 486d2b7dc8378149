"""Listings out to a spreadsheet, in the import's columns: what an export holds imports back with no changes."""

import json
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.formats.osm_hours import format_osm_hours
from api.curation.formats.spreadsheets import MAX_ROWS, write_csv, write_xlsx
from api.curation.imports.columns import KEYS
from api.curation.places.filters import PlaceFilters, filtered_places
from api.deps import Principal
from api.errors import AppError
from api.timestamps import SHANGHAI
from models import Place

ExportFormat = Literal["csv", "xlsx"]
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ExportTooLarge(AppError):
    status, code, title = 422, "too_many_rows", "More listings than a file can bring back"


def export_row(place: Place) -> list[Any]:
    located = place.lat is not None and place.lng is not None
    cells: dict[str, Any] = {
        "source_id": place.source_id,
        "name": place.name,
        "category": place.category_code,
        "district": place.district_code,
        "street": place.street_code,
        "address": place.address,
        # Stored coordinates are WGS-84, written as stored (the shortest text that reads back as the same number).
        "lat": place.lat,
        "lng": place.lng,
        "coord": "wgs84" if located else None,
        "phone": ";".join(place.phones or []),
        "opening_hours": format_osm_hours(place.opening_hours) if place.opening_hours else None,
        "accessibility": ";".join(place.accessibility or []),
        "languages": ";".join(place.languages or []),
        "tags": ";".join(place.tags or []),
        "capacity": place.capacity,
        "available": place.available,
        "name_en": place.name_en,
        "address_en": place.address_en,
        "website": place.website,
        "description": place.description,
        # Sorted and compact, so that the same attributes always read the same in a file (and in a diff of two).
        "attributes": json.dumps(place.attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if place.attributes
        else None,
    }
    return [cells[key] for key in KEYS]


async def export_places(
    session: AsyncSession, principal: Principal, filters: PlaceFilters, file_format: ExportFormat
) -> tuple[bytes, str]:
    """The file and its name. At most as many listings as an import takes (422 `too_many_rows`: narrow the
    filters), so that every export can be imported back."""
    statement = filtered_places(principal, filters)
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    if total and total > MAX_ROWS:
        raise ExportTooLarge(f"{total} listings match; an export holds at most {MAX_ROWS}: narrow the filters")
    places = (await session.scalars(statement.order_by(Place.id))).all()
    rows = [export_row(place) for place in places]
    header = list(KEYS)
    content = write_xlsx(header, rows) if file_format == "xlsx" else write_csv(header, rows)
    stamp = datetime.now(SHANGHAI).strftime("%Y%m%d-%H%M")
    return content, f"places-{stamp}.{file_format}"
