"""City events: lists by day, place and words, and details."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.events import views
from api.directory.events.schemas import EventDetail, EventSummary
from api.errors import NotFound
from api.geo import CoordSystem, within_radius
from api.http import Language
from api.pagination import keyset_page
from api.textsearch.query import matching_content
from api.timestamps import SHANGHAI
from api.visibility import in_category, publicly_readable, publicly_visible
from models import Category, District, Event


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _event_select(*, cancelled_too: bool = False):  # noqa: ANN202
    """Published events; with `cancelled_too`, cancelled ones as well (read by id: a detail, a synced change)."""
    return (
        select(Event, Category, District)
        .join(Category, Category.code == Event.category_code)
        .outerjoin(District, District.code == Event.district_code)
        .where(publicly_readable(Event) if cancelled_too else publicly_visible(Event))
    )


async def list_events(
    public: PublicRead,
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
    async with public.session() as session:
        if q:
            statement = statement.where(await matching_content(session, q, "event", Event.id))
        if near:
            # Those with no location are not within any radius.
            statement = statement.where(*within_radius(near, radius_m, of=(Event.lat, Event.lng))[1])
        page = await keyset_page(
            session,
            statement,
            [(Event.starts_at, False), (Event.id, False)],
            kind="events",
            shape=(datetime, int),
            limit=limit,
            cursor=cursor,
            key=lambda row: [row[0].starts_at.isoformat(), row[0].id],
        )
        items = [views.summary(*row, public.language, coord, near=near) for row in page.rows]
    return items, page.next_cursor


async def event_detail(public: PublicRead, event_id: int, coord: CoordSystem = "wgs84") -> EventDetail:
    async with public.session() as session:
        row = (await session.execute(_event_select(cancelled_too=True).where(Event.id == event_id))).first()
        if row is None:
            raise NotFound(f"there is no published event {event_id}")
        return views.detail(*row, public.language, coord)


async def event_summaries(session: AsyncSession, ids: list[int], language: Language) -> dict[int, EventSummary]:
    if not ids:
        return {}
    rows = (await session.execute(_event_select(cancelled_too=True).where(Event.id.in_(ids)))).all()
    return {row[0].id: views.summary(*row, language) for row in rows}
