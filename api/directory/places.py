"""Place reads: search and browse (filters, distance, open now, facets, keyset pages) and full details.

Hot paths select columns rather than ORM objects and build each summary once.
"""

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory import local_search, nearest
from api.directory.facets import FacetCounts, facet_counts
from api.directory.open_now import OpenSchedules, open_schedules
from api.directory.place_query import PlacePlan, PlaceQuery, cursor_kind, page_key
from api.directory.queries import after, order_by, publicly_visible
from api.directory.reference import ReferenceNames, reference_names
from api.errors import NotFound
from api.geo import CoordSystem, haversine_m, shown_point
from api.http import Language, localized
from api.pagination import encode_cursor
from api.prepared import PreparedRead, Reader, request_reader
from api.search.grid import Cell
from api.search.query import best_plan, indexed_first_page
from api.search.tokens import QueryPlan
from api.timestamps import to_local
from models import Place


@dataclass
class PlaceResults:
    items: list[dict[str, Any]]  # PlaceSummary fields
    next_cursor: str | None
    facets: FacetCounts | None = field(default=None)


_SUMMARY_COLUMNS = (
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


async def _core(session: AsyncSession, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
    """Run a column select on the session's connection: Core execution skips the ORM's per-statement work."""
    connection = await session.connection()
    return await connection.execute(statement, parameters)


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
    """A PlaceSummary as a plain dict: built once and serialised by orjson, with no model in between."""
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
        # (and `available=true` never matches a sample, api.directory.place_query).
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


# A schedule written by another worker is learnt within this many seconds (at once when a row names it).
SCHEDULE_REFRESH_SECONDS = 5.0


async def search_places(session: AsyncSession, reader: Reader, language: Language, query: PlaceQuery) -> PlaceResults:
    """`reader` serves the prepared shapes (driver connections, no session); the rest is built per query."""
    schedules = open_schedules(reader)
    cells = local_search.cells_for(query)
    # "Open now" as an SQL filter needs every schedule known first; the grid's matches name their own, which are
    # learnt then if new.
    fresh = query.open_now and cells is None
    await schedules.refresh(request_reader(session, reader), max_age_seconds=0.0 if fresh else SCHEDULE_REFRESH_SECONDS)
    if nearest.answers(query):
        # A map's first page: no statement to build, no session connection to check out.
        active = request_reader(session, reader)
        rows = await _NEAREST.first_page(active, query)
        return await _results(active, language, query, rows, cursor_kind("distance", 2), keys=2)
    text_plan = await best_plan(request_reader(session, reader), query.q) if query.q else None
    if cells is not None and text_plan is not None and not text_plan.empty:
        return await _local_results(request_reader(session, reader), language, query, text_plan, cells, schedules)
    if query.open_now and not fresh:
        await schedules.refresh(request_reader(session, reader))
    open_ids = schedules.open_ids() if query.open_now else frozenset()
    dialect = session.get_bind().dialect.name
    plan = PlacePlan(query, dialect, text_plan, open_ids)
    key = plan.decode(query.cursor)
    if plan.index_only and key is None:
        # The commonest search (words, perhaps a district or category, first page) has one statement per
        # database, built once: only its parameters change.
        rows: Sequence[Any] = await _index_first_page(dialect, in_district=bool(query.district)).all(
            request_reader(session, reader), **plan.parameters, page_limit=query.limit + 1
        )
    elif plan.sort == "distance" and key is None and query.near:
        rows = await _nearest_first_page(session, query, dialect, text_plan, open_ids, plan)
    else:
        rows = await _page_rows(session, plan, key, query.limit)
    results = await _results(
        request_reader(session, reader), language, query, rows, plan.cursor_kind(), keys=len(plan.order)
    )
    if query.facets:
        results.facets = await _facets(session, plan, language)
    return results


async def _local_results(
    reader: Reader,
    language: Language,
    query: PlaceQuery,
    text_plan: QueryPlan,
    cells: list[Cell],
    schedules: OpenSchedules,
) -> PlaceResults:
    """Words near a point, first page: the grid index holds every match in the circle with what the page and its
    facets need."""
    local = await _LOCAL.first_page(reader, query, text_plan, cells, schedules)
    results = PlaceResults(await _summaries(reader, language, query, local.rows), local.next_cursor)
    if query.facets:
        names = await reference_names(reader, local.facet_rows)
        results.facets = facet_counts(local.facet_rows, names, language, query.facets)
    return results


async def _summaries(
    source: AsyncSession | Reader, language: Language, query: PlaceQuery, rows: Sequence[Any]
) -> list[dict[str, Any]]:
    """Summaries of these rows, after learning any schedule or reference name they use that is not known yet."""
    schedules = open_schedules(source)
    if not schedules.knows({row.schedule_id for row in rows if row.schedule_id is not None}):
        await schedules.refresh(source)
    names = await reference_names(source, rows)
    now = datetime.now(UTC)
    open_state = schedules.open_state(now)
    return [_summary(row, language, query, open_state, names, now) for row in rows]


async def _results(
    reader: Reader, language: Language, query: PlaceQuery, rows: Sequence[Any], kind: str, *, keys: int
) -> PlaceResults:
    """The page's summaries and the cursor after its last row (rows holds one more than a page when there is
    more)."""
    items = await _summaries(reader, language, query, rows[: query.limit])
    next_cursor = None
    if len(rows) > query.limit:
        next_cursor = encode_cursor(kind, page_key(rows[query.limit - 1], keys))
    return PlaceResults(items, next_cursor)


async def _nearest_first_page(
    session: AsyncSession,
    query: PlaceQuery,
    dialect: str,
    text_plan: QueryPlan | None,
    open_ids: frozenset[int],
    plan: PlacePlan,
) -> Sequence[Any]:
    """The first page by distance for the shapes `nearest` does not prepare, by the same smallest-circle rule."""
    *inner_radii, _ = nearest.circle_radii(query.radius_m)
    for radius in inner_radii:
        inner = replace(query, radius_m=radius)
        rows = await _page_rows(session, PlacePlan(inner, dialect, text_plan, open_ids), None, query.limit)
        if len(rows) > query.limit:
            return rows
    return await _page_rows(session, plan, None, query.limit)


async def _page_rows(session: AsyncSession, plan: PlacePlan, key: list[Any] | None, limit: int) -> Sequence[Any]:
    """First the page of ids (on `place` or the index alone), then names and summaries for those rows only."""
    order_columns = [expression.label(f"order_{i}") for i, (expression, _) in enumerate(plan.order)]
    page = plan.joined(select(plan.id_column.label("page_id"), *order_columns).select_from(plan.source)).where(
        *plan.conditions
    )
    if key is not None:
        page = page.where(after(plan.order, key))
    # By the labels of the selected keys: SQLite would otherwise evaluate a name match again to sort.
    by_labels = [(column, descending) for column, (_, descending) in zip(order_columns, plan.order, strict=True)]
    page = page.order_by(*order_by(by_labels)).limit(limit + 1).subquery("page")
    page_order = [(page.c[f"order_{i}"], descending) for i, (_, descending) in enumerate(plan.order)]
    if plan.sort == "name" and session.get_bind().dialect.name == "postgresql":
        page_order[0] = (page_order[0][0].collate("C"), False)
    statement = select(*_SUMMARY_COLUMNS, *page.c).join(page, page.c.page_id == Place.id)
    return (await _core(session, statement.order_by(*order_by(page_order)), plan.parameters)).all()


_NEAREST = nearest.NearestPages(select(*_SUMMARY_COLUMNS))
_LOCAL = local_search.LocalSearch(select(*_SUMMARY_COLUMNS))


@functools.cache
def _index_first_page(dialect: str, *, in_district: bool) -> PreparedRead:
    page = indexed_first_page(dialect, in_district).subquery("page")
    statement = (
        select(*_SUMMARY_COLUMNS, *page.c)
        .join(page, page.c.page_id == Place.id)
        .order_by(page.c.order_0.desc(), page.c.order_1.asc())
    )
    return PreparedRead(statement)


async def _facets(session: AsyncSession, plan: PlacePlan, language: Language) -> FacetCounts:
    """Counts per category and per district of every match, from one grouped query."""
    statement = (
        plan.joined(select(Place.category_code, Place.district_code, func.count().label("matches")).select_from(Place))
        .where(*plan.conditions)
        .group_by(Place.category_code, Place.district_code)
    )
    rows = (await _core(session, statement)).all()
    return facet_counts(rows, await reference_names(session, rows), language, plan.query.facets)


async def place_location(session: AsyncSession, place_id: int) -> tuple[float, float]:
    row = (
        await session.execute(select(Place.lat, Place.lng).where(Place.id == place_id, publicly_visible(Place)))
    ).first()
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    return row.lat, row.lng


# Built once: the hottest read skips rebuilding its statement and its cache key on every request.
_DETAIL = PreparedRead(
    select(
        *_SUMMARY_COLUMNS,
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
    ).where(Place.id == bindparam("place_id"), publicly_visible(Place))
)


async def place_detail(
    reader: Reader, place_id: int, language: Language, coord: CoordSystem = "wgs84"
) -> dict[str, Any]:
    """PlaceDetail fields as a plain dict (see _summary)."""
    schedules = open_schedules(reader)
    await schedules.refresh(reader, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
    row = await _DETAIL.first(reader, place_id=place_id)
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    (summary,) = await _summaries(reader, language, PlaceQuery(coord=coord), [row])
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


async def place_summaries(
    session: AsyncSession, ids: list[int], language: Language, *, visible_only: bool = True
) -> dict[int, dict[str, Any]]:
    """Summaries of the given places by id (for mixed lists: search across kinds, sync)."""
    if not ids:
        return {}
    schedules = open_schedules(session)
    await schedules.refresh(session, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
    statement = select(*_SUMMARY_COLUMNS).where(Place.id.in_(ids))
    if visible_only:
        statement = statement.where(publicly_visible(Place))
    rows = (await _core(session, statement)).all()
    return {item["id"]: item for item in await _summaries(session, language, PlaceQuery(), rows)}
