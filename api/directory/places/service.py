"""Place reads: a search (filters, distance, open now, facets, keyset pages), a place's details, and summaries by
id for the other kinds' lists.

A search goes one way down: the validated query (`query.py`) → the chooser (`chooser.py`) → one page strategy
(`strategies/`) → its SQL (`plan.py` for the general one) → the summaries (`views.py`).
"""

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.catalogue import service as catalogue
from api.directory.places import chooser, views
from api.directory.places.open_now import open_schedules
from api.directory.places.query import PlaceQuery
from api.directory.places.strategies.base import PageStrategy, PlaceSearch
from api.directory.places.views import DETAIL_COLUMNS, SUMMARY_COLUMNS, PlaceResults
from api.errors import NotFound
from api.geo import CoordSystem
from api.http import Language
from api.prepared import PreparedRead, Reader
from api.textsearch.query import best_plan
from api.visibility import publicly_visible
from models import Place

# A schedule written by another worker is learnt within this many seconds (at once when a row names it).
SCHEDULE_REFRESH_SECONDS = 5.0


async def search_places(public: PublicRead, query: PlaceQuery, *, strategy: PageStrategy | None = None) -> PlaceResults:
    """A page of places. `strategy`: one the chooser allows for this query, to answer with it rather than the
    chooser's first choice (the tests compare every allowed strategy with the general one)."""
    await catalogue.require_filter_values(
        public.reader, category=query.category, district=query.district, street=query.street
    )
    async with public.session() as session:
        search = PlaceSearch(session, public.reader, public.language)
        await open_schedules(search.reader).refresh(search.reader, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
        text_plan = await best_plan(search.reader, query.q) if query.q else None
        if strategy is None:
            strategy = chooser.choose(query, text_plan)
        elif not strategy.answers(query, text_plan):
            raise ValueError(f"the {strategy.name} strategy does not serve this query")
        return await strategy.page(search, query, text_plan)


async def nearby_places(
    public: PublicRead,
    place_id: int,
    *,
    category: str | None,
    radius_m: int,
    coord: CoordSystem,
    limit: int,
    cursor: str | None,
) -> PlaceResults:
    """Other published places around this one, nearest first."""
    await catalogue.require_filter_values(public.reader, category=category)
    origin = await place_location(public.reader, place_id)
    query = PlaceQuery(
        category=category,
        near=origin,
        radius_m=radius_m,
        sort="distance",
        coord=coord,
        limit=limit,
        cursor=cursor,
        exclude_id=place_id,
    )
    return await search_places(public, query)


_LOCATION = PreparedRead(select(Place.lat, Place.lng).where(Place.id == bindparam("place_id"), publicly_visible(Place)))


async def place_location(source: AsyncSession | Reader, place_id: int) -> tuple[float, float]:
    row = await _LOCATION.first(source, place_id=place_id)
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    return row.lat, row.lng


# Built once: the hottest read skips rebuilding its statement and its cache key on every request.
_DETAIL = PreparedRead(select(*DETAIL_COLUMNS).where(Place.id == bindparam("place_id"), publicly_visible(Place)))


async def place_detail(
    reader: Reader, place_id: int, language: Language, coord: CoordSystem = "wgs84"
) -> dict[str, Any]:
    """PlaceDetail fields as a plain dict."""
    schedules = open_schedules(reader)
    await schedules.refresh(reader, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
    row = await _DETAIL.first(reader, place_id=place_id)
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    return await views.detail(reader, row, language, PlaceQuery(coord=coord))


async def place_summaries(
    session: AsyncSession, ids: list[int], language: Language, *, visible_only: bool = True
) -> dict[int, dict[str, Any]]:
    """Summaries of the given places by id (for mixed lists: search across kinds, sync)."""
    if not ids:
        return {}
    schedules = open_schedules(session)
    await schedules.refresh(session, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
    statement = select(*SUMMARY_COLUMNS).where(Place.id.in_(ids))
    if visible_only:
        statement = statement.where(publicly_visible(Place))
    rows = (await (await session.connection()).execute(statement)).all()
    return {item["id"]: item for item in await views.summaries(session, language, PlaceQuery(), rows)}
