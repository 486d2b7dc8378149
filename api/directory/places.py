"""Place reads: filtered, keyset-paginated lists and full details, selected column by column."""

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.hours import is_open_at
from api.directory.queries import after_key, in_category, publicly_visible, to_local
from api.directory.schemas import LatLng, PlaceDetail, PlaceSummary
from api.errors import InvalidCursor, NotFound
from api.http import Language, localized
from api.pagination import decode_cursor, encode_cursor
from models import Category, District, Place, Street

PlaceSort = Literal["id", "name", "updated"]

_SUMMARY_COLUMNS = (
    Place.id,
    Place.name,
    Place.name_en,
    Place.category_code,
    Category.name.label("category_name"),
    Category.name_en.label("category_name_en"),
    Category.live_capacity_unit,
    Place.district_code,
    District.name.label("district_name"),
    District.name_en.label("district_name_en"),
    Place.street_code,
    Street.name.label("street_name"),
    Place.address,
    Place.address_en,
    Place.lat,
    Place.lng,
    Place.opening_hours,
    Place.capacity,
    Place.available,
    Place.available_updated_at,
    Place.is_sample,
)


def _summary_select(*extra: Any) -> Select:
    return (
        select(*_SUMMARY_COLUMNS, *extra)
        .join(Category, Category.code == Place.category_code)
        .join(District, District.code == Place.district_code)
        .outerjoin(Street, Street.code == Place.street_code)
        .where(publicly_visible(Place))
    )


def _summary_fields(row: Any, language: Language, now: datetime) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "id": row.id,
        "name": localized(language, row.name, row.name_en),
        "category": row.category_code,
        "category_name": localized(language, row.category_name, row.category_name_en),
        "district": row.district_code,
        "district_name": localized(language, row.district_name, row.district_name_en),
        "street": row.street_code,
        "street_name": row.street_name,
        "address": localized(language, row.address, row.address_en),
        "location": LatLng(lat=row.lat, lng=row.lng),
        "open_now": is_open_at(row.opening_hours, now),
        "sample": row.is_sample,
    }
    if row.live_capacity_unit:
        fields["capacity"] = row.capacity
        fields["available"] = row.available
        fields["available_updated_at"] = to_local(row.available_updated_at)
    return fields


def _sort_columns(sort: PlaceSort, dialect: str = "sqlite") -> tuple[list[Any], bool]:
    if sort == "name":
        # Byte order on both databases, so that SQLite and PostgreSQL page through names alike.
        name = Place.name.collate("C") if dialect == "postgresql" else Place.name
        return [name, Place.id], False
    if sort == "updated":
        return [Place.updated_at, Place.id], True
    return [Place.id], False


def _cursor_key(sort: PlaceSort, row: Any, updated_at: datetime | None) -> list[Any]:
    if sort == "name":
        return [row.name, row.id]
    if sort == "updated":
        return [updated_at.isoformat() if updated_at else "", row.id]
    return [row.id]


def _decoded_key(sort: PlaceSort, cursor: str | None) -> list[Any] | None:
    columns, _ = _sort_columns(sort)
    key = decode_cursor(cursor, f"places:{sort}", len(columns))
    if key is None:
        return None
    try:
        if sort == "updated":
            return [datetime.fromisoformat(str(key[0])), int(key[1])]
        return [*key[:-1], int(key[-1])]
    except (TypeError, ValueError) as exc:
        raise InvalidCursor("the cursor could not be read; start again without it") from exc


async def list_places(
    session: AsyncSession,
    language: Language,
    *,
    category: str | None = None,
    district: str | None = None,
    street: str | None = None,
    sort: PlaceSort = "id",
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[PlaceSummary], str | None]:
    columns, descending = _sort_columns(sort, session.get_bind().dialect.name)
    statement = _summary_select(Place.updated_at)
    if category:
        statement = statement.where(in_category(Place.category_code, category))
    if district:
        statement = statement.where(Place.district_code == district)
    if street:
        statement = statement.where(Place.street_code == street)
    key = _decoded_key(sort, cursor)
    if key is not None:
        statement = statement.where(after_key(columns, key, descending=descending))
    ordering = [column.desc() for column in columns] if descending else columns
    rows = (await session.execute(statement.order_by(*ordering).limit(limit + 1))).all()
    now = datetime.now(UTC)
    items = [PlaceSummary(**_summary_fields(row, language, now)) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor(f"places:{sort}", _cursor_key(sort, last, last.updated_at))
    return items, next_cursor


async def place_detail(session: AsyncSession, place_id: int, language: Language) -> PlaceDetail:
    statement = _summary_select(
        Place.description,
        Place.phones,
        Place.website,
        Place.accessibility,
        Place.languages,
        Place.tags,
        Place.attributes,
        Place.version,
        Place.created_at,
        Place.updated_at,
    ).where(Place.id == place_id)
    row = (await session.execute(statement)).first()
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    fields = _summary_fields(row, language, datetime.now(UTC))
    return PlaceDetail(
        **fields,
        name_zh=row.name,
        name_en=row.name_en,
        address_zh=row.address,
        address_en=row.address_en,
        description=row.description,
        phones=row.phones,
        website=row.website,
        opening_hours=row.opening_hours,
        accessibility=row.accessibility,
        languages=row.languages,
        tags=row.tags,
        attributes=row.attributes,
        live_capacity_unit=row.live_capacity_unit,
        version=row.version,
        created_at=to_local(row.created_at),
        updated_at=to_local(row.updated_at),
    )
