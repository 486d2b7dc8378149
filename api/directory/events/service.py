"""City events: lists by day, place and words, and details."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.events.schemas import EventDetail, EventSummary
from api.directory.reference.schemas import LatLng
from api.errors import NotFound
from api.geo import CoordSystem, haversine_m, shown_point, within_radius
from api.http import Language, localized
from api.pagination import after_key, decode_cursor, encode_cursor
from api.textsearch.query import matching_content
from api.timestamps import SHANGHAI, to_local
from api.visibility import in_category, publicly_readable, publicly_visible
from models import Category, District, Event


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _event_fields(
    event: Event, category: Category, district: District | None, language: Language, coord: CoordSystem = "wgs84"
) -> dict:
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


def _event_select(*, cancelled_too: bool = False):  # noqa: ANN202
    """Published events; with `cancelled_too`, cancelled ones as well (read by id: a detail, a synced change)."""
    return (
        select(Event, Category, District)
        .join(Category, Category.code == Event.category_code)
        .outerjoin(District, District.code == Event.district_code)
        .where(publicly_readable(Event) if cancelled_too else publicly_visible(Event))
    )


async def list_events(
    session: AsyncSession,
    language: Language,
    *,
    starts_from: date | None,
    ends_by: date | None,
    category: str | None = None,
    district: str | None = None,
    q: str | None = None,
    near: tuple[float, float] | None = None,
    radius_m: int = 3000,
    coord: CoordSystem = "wgs84",
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[EventSummary], str | None]:
    """Events that overlap [from, to] (Shanghai dates), soonest first; without `from`, those not yet over. `q`
    keeps those whose words match; `near` (WGS-84) those held within `radius_m` of it, each with its distance."""
    statement = _event_select()
    window_start = _start_of(starts_from) if starts_from else datetime.now(SHANGHAI)
    statement = statement.where(Event.ends_at >= window_start)
    if ends_by:
        statement = statement.where(Event.starts_at < _start_of(ends_by + timedelta(days=1)))
    if category:
        statement = statement.where(in_category(Event.category_code, category))
    if district:
        statement = statement.where(Event.district_code == district)
    if q:
        statement = statement.where(await matching_content(session, q, "event", Event.id))
    if near:
        # Those with no location are not within any radius.
        statement = statement.where(*within_radius(near, radius_m, of=(Event.lat, Event.lng))[1])
    key = decode_cursor(cursor, "events", (datetime, int))
    if key is not None:
        statement = statement.where(after_key([Event.starts_at, Event.id], key))
    rows = (await session.execute(statement.order_by(Event.starts_at, Event.id).limit(limit + 1))).all()
    items = []
    for event, category_row, district_row in rows[:limit]:
        fields = _event_fields(event, category_row, district_row, language, coord)
        if near:
            fields["distance_m"] = round(haversine_m(near[0], near[1], event.lat, event.lng), 1)
        items.append(EventSummary(**fields))
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1][0]
        next_cursor = encode_cursor("events", [last.starts_at.isoformat(), last.id])
    return items, next_cursor


async def event_detail(
    session: AsyncSession, event_id: int, language: Language, coord: CoordSystem = "wgs84"
) -> EventDetail:
    row = (await session.execute(_event_select(cancelled_too=True).where(Event.id == event_id))).first()
    if row is None:
        raise NotFound(f"there is no published event {event_id}")
    event, category, district = row
    return EventDetail(
        **_event_fields(event, category, district, language, coord),
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


async def event_summaries(session: AsyncSession, ids: list[int], language: Language) -> dict[int, EventSummary]:
    if not ids:
        return {}
    rows = (await session.execute(_event_select(cancelled_too=True).where(Event.id.in_(ids)))).all()
    return {e.id: EventSummary(**_event_fields(e, c, d, language)) for e, c, d in rows}
