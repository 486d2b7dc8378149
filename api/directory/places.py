"""Place reads: search and browse (filters, distance, open now, facets, keyset pages) and full details.

Hot paths select columns rather than ORM objects and build each summary once.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.derived import accessibility_mask
from api.directory.open_now import OpenSchedules, open_schedules
from api.directory.queries import OrderKey, after, in_category, order_by, publicly_visible, to_local
from api.directory.schemas import FacetCount
from api.errors import InvalidCursor, NotFound
from api.geo import CoordSystem, from_wgs84, haversine_m
from api.http import Language, localized
from api.pagination import decode_cursor, encode_cursor
from api.prepared import PreparedRead
from api.search.query import best_plan, indexed_match, indexed_match_parameters, place_match
from api.search.tokens import QueryPlan, filter_token
from models import Category, District, Place, Street

PlaceSort = Literal["relevance", "distance", "name", "updated"]
FacetName = Literal["category", "district"]
METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True)
class PlaceQuery:
    q: str | None = None
    category: str | None = None
    district: str | None = None
    street: str | None = None
    near: tuple[float, float] | None = None  # WGS-84
    radius_m: int = 3000
    open_now: bool = False
    accessibility: tuple[str, ...] = ()
    available: bool = False
    sort: PlaceSort | None = None
    limit: int = 20
    cursor: str | None = None
    coord: CoordSystem = "wgs84"
    facets: tuple[FacetName, ...] = ()
    exclude_id: int | None = None

    @property
    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        if self.q:
            return "relevance"
        return "distance" if self.near else "id"


@dataclass
class PlaceResults:
    items: list[dict[str, Any]]  # PlaceSummary fields
    next_cursor: str | None
    facets: dict[str, list[FacetCount]] | None = field(default=None)


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
    Place.schedule_id,
    Place.capacity,
    Place.available,
    Place.available_updated_at,
    Place.is_sample,
)


def _with_names(statement: Select) -> Select:
    return (
        statement.join(Category, Category.code == Place.category_code)
        .join(District, District.code == Place.district_code)
        .outerjoin(Street, Street.code == Place.street_code)
    )


async def _core(session: AsyncSession, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
    """Run a column select on the session's connection: Core execution skips the ORM's per-statement work."""
    connection = await session.connection()
    return await connection.execute(statement, parameters)


def _flat_distance_sq(lat: float, lng: float) -> ColumnElement[float]:
    """Squared metres by the flat-earth approximation: good to a fraction of a percent within 50 km."""
    lng_scale = METRES_PER_DEGREE * math.cos(math.radians(lat))
    return ((Place.lat - lat) * METRES_PER_DEGREE) * ((Place.lat - lat) * METRES_PER_DEGREE) + (
        (Place.lng - lng) * lng_scale
    ) * ((Place.lng - lng) * lng_scale)


def _index_alone_answers(query: PlaceQuery) -> bool:
    """Whether the search index can answer this query without the `place` table: words ranked by relevance,
    narrowed at most by district and category (tokens in the index, as visibility is)."""
    needs_place = (
        query.street,
        query.near,
        query.accessibility,
        query.available,
        query.open_now,
        query.facets,
        query.exclude_id is not None,
    )
    return bool(query.q) and query.effective_sort == "relevance" and not any(needs_place)


class _Plan:
    """The WHERE clauses and the ordering of one place query, shared by the page and its facets."""

    def __init__(
        self, query: PlaceQuery, dialect: str, plan: QueryPlan | None, open_ids: frozenset[int] = frozenset()
    ) -> None:
        self.query = query
        self.source: Any = Place
        self.id_column: Any = Place.id
        self.conditions: list[ColumnElement[bool]] = [publicly_visible(Place)]
        self.name_hit: ColumnElement[int] = literal(0)
        self.distance_sq: ColumnElement[float] | None = None
        self.join: tuple[Any, ColumnElement[bool]] | None = None
        filters = []
        if query.district:
            filters.append(filter_token("d", query.district))
        if query.category:
            filters.append(filter_token("c", query.category))
        self.parameters: dict[str, Any] = {}
        self.index_only = plan is not None and not plan.empty and _index_alone_answers(query)
        if self.index_only:
            # Every filter is an index token: the page comes from the index table, `place` is read for it only.
            match = indexed_match(dialect)
            self.parameters = indexed_match_parameters(plan, dialect, filters)
            self.source, self.id_column = match.source, match.id_column
            self.conditions, self.name_hit = [match.condition], match.name_hit
            self.order: OrderKey = [(self.name_hit, True), (self.id_column, False)]
            self.sort = "relevance"
            return
        if query.q:
            if plan is None or plan.empty:
                self.conditions.append(literal(False))
            else:
                match = place_match(Place.id, plan, dialect, filters)
                self.join, self.name_hit = match.join, match.name_hit
                self.conditions.append(match.condition)
        if query.category:
            self.conditions.append(in_category(Place.category_code, query.category))
        if query.district:
            self.conditions.append(Place.district_code == query.district)
        if query.street:
            self.conditions.append(Place.street_code == query.street)
        if query.near:
            lat, lng = query.near
            radius = float(query.radius_m)
            d_lat = radius / METRES_PER_DEGREE
            d_lng = radius / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
            self.distance_sq = _flat_distance_sq(lat, lng)
            self.conditions += [
                Place.lat.between(lat - d_lat, lat + d_lat),
                Place.lng.between(lng - d_lng, lng + d_lng),
                self.distance_sq <= radius * radius,
            ]
        if query.accessibility:
            mask = accessibility_mask(query.accessibility)
            self.conditions.append(Place.accessibility_mask.op("&")(mask) == mask)
        if query.available:
            self.conditions.append(Place.available > 0)
        if query.open_now:
            self.conditions.append(Place.schedule_id.in_(sorted(open_ids)))
        if query.exclude_id is not None:
            self.conditions.append(Place.id != query.exclude_id)
        name = Place.name.collate("C") if dialect == "postgresql" else Place.name
        sort = query.effective_sort
        if sort == "relevance":
            self.order = [(self.name_hit, True)]
            if self.distance_sq is not None:
                self.order.append((self.distance_sq, False))
            self.order.append((Place.id, False))
        elif sort == "distance" and self.distance_sq is not None:
            self.order = [(self.distance_sq, False), (Place.id, False)]
        elif sort == "name":
            self.order = [(name, False), (Place.id, False)]
        elif sort == "updated":
            self.order = [(Place.updated_at, True), (Place.id, True)]
        else:
            self.order = [(Place.id, False)]
        self.sort = sort

    def joined(self, statement: Select) -> Select:
        return statement.join(*self.join) if self.join is not None else statement

    def cursor_kind(self) -> str:
        return f"places:{self.sort}:{len(self.order)}"

    def decode(self, cursor: str | None) -> list[Any] | None:
        key = decode_cursor(cursor, self.cursor_kind(), len(self.order))
        if key is None:
            return None
        try:
            if self.sort == "updated":
                return [datetime.fromisoformat(str(key[0])), int(key[1])]
            return [*key[:-1], int(key[-1])]
        except (TypeError, ValueError) as exc:
            raise InvalidCursor("the cursor could not be read; start again without it") from exc

    def key_of(self, row: Any) -> list[Any]:
        mapping = row if isinstance(row, dict) else row._mapping
        values = [mapping[f"order_{i}"] for i in range(len(self.order))]
        return [value.isoformat() if isinstance(value, datetime) else value for value in values]


def _summary(
    row: Any, language: Language, now: datetime, query: PlaceQuery, schedules: OpenSchedules
) -> dict[str, Any]:
    """A PlaceSummary as a plain dict: built once and serialised by orjson, with no model in between."""
    lat, lng = from_wgs84(row.lat, row.lng, query.coord)
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
        "location": {"lat": round(lat, 6), "lng": round(lng, 6)},
        "open_now": schedules.is_open(row.schedule_id, now),
        "sample": row.is_sample,
    }
    if row.live_capacity_unit:
        fields["capacity"] = row.capacity
        fields["available"] = row.available
        fields["available_updated_at"] = to_local(row.available_updated_at)
    if query.near:
        fields["distance_m"] = round(haversine_m(query.near[0], query.near[1], row.lat, row.lng), 1)
    return fields


# A schedule written by another worker is learnt within this many seconds (at once when a row names it).
SCHEDULE_REFRESH_SECONDS = 5.0


async def search_places(session: AsyncSession, language: Language, query: PlaceQuery) -> PlaceResults:
    schedules = open_schedules(session)
    await schedules.refresh(session, max_age_seconds=0.0 if query.open_now else SCHEDULE_REFRESH_SECONDS)
    text_plan = await best_plan(session, query.q) if query.q else None
    open_ids = schedules.open_ids() if query.open_now else frozenset()
    dialect = session.get_bind().dialect.name
    plan = _Plan(query, dialect, text_plan, open_ids)
    key = plan.decode(query.cursor)
    if plan.index_only and key is None:
        # The commonest search (words, perhaps a district or category, first page) has one statement per
        # database, built once: only its parameters change.
        rows: Sequence[Any] = await _index_first_page(dialect).all(
            session, **plan.parameters, page_limit=query.limit + 1
        )
    elif plan.sort == "distance" and key is None and query.near:
        rows = await _nearest_first_page(session, query, dialect, text_plan, open_ids, plan)
    else:
        rows = await _page_rows(session, plan, key, query.limit)
    if not schedules.knows({row.schedule_id for row in rows if row.schedule_id is not None}):
        await schedules.refresh(session)
    now = datetime.now(UTC)
    items = [_summary(row, language, now, query, schedules) for row in rows[: query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        next_cursor = encode_cursor(plan.cursor_kind(), plan.key_of(rows[query.limit - 1]))
    facets = await _facets(session, plan, language) if query.facets else None
    return PlaceResults(items, next_cursor, facets)


# Circles tried before the whole radius, as fractions of it: in the dense centre a 3 km circle holds thousands of
# listings, and ranking them all to show the nearest 20 is most of the work.
NEAREST_FIRST_FRACTIONS = (0.125, 0.35)


async def _nearest_first_page(
    session: AsyncSession,
    query: PlaceQuery,
    dialect: str,
    text_plan: QueryPlan | None,
    open_ids: frozenset[int],
    plan: _Plan,
) -> Sequence[Any]:
    """The first page by distance, from the smallest circle that holds more than a page of matches.

    Every match inside a smaller circle is nearer than any outside it, so when that circle already holds
    limit + 1 matches they are the nearest of the whole radius, in the same order and with the same cursor keys."""
    for fraction in NEAREST_FIRST_FRACTIONS:
        inner = replace(query, radius_m=max(1, int(query.radius_m * fraction)))
        rows = await _page_rows(session, _Plan(inner, dialect, text_plan, open_ids), None, query.limit)
        if len(rows) > query.limit:
            return rows
    return await _page_rows(session, plan, None, query.limit)


async def _page_rows(session: AsyncSession, plan: _Plan, key: list[Any] | None, limit: int) -> Sequence[Any]:
    """First the page of ids (on `place` or the index alone), then names and summaries for those rows only."""
    order_columns = [expression.label(f"order_{i}") for i, (expression, _) in enumerate(plan.order)]
    page = plan.joined(select(plan.id_column.label("page_id"), *order_columns).select_from(plan.source)).where(
        *plan.conditions
    )
    if key is not None:
        page = page.where(after(plan.order, key))
    page = page.order_by(*order_by(plan.order)).limit(limit + 1).subquery("page")
    page_order = [(page.c[f"order_{i}"], descending) for i, (_, descending) in enumerate(plan.order)]
    if plan.sort == "name" and session.get_bind().dialect.name == "postgresql":
        page_order[0] = (page_order[0][0].collate("C"), False)
    statement = _with_names(select(*_SUMMARY_COLUMNS, *page.c)).join(page, page.c.page_id == Place.id)
    return (await _core(session, statement.order_by(*order_by(page_order)), plan.parameters)).all()


_INDEX_FIRST_PAGES: dict[str, PreparedRead] = {}


def _index_first_page(dialect: str) -> PreparedRead:
    prepared = _INDEX_FIRST_PAGES.get(dialect)
    if prepared is None:
        match = indexed_match(dialect)
        page = (
            select(match.id_column.label("page_id"), match.name_hit.label("order_0"), match.id_column.label("order_1"))
            .select_from(match.source)
            .where(match.condition)
            .order_by(match.name_hit.desc(), match.id_column.asc())
            .limit(bindparam("page_limit", type_=Integer))
            .subquery("page")
        )
        statement = (
            _with_names(select(*_SUMMARY_COLUMNS, *page.c))
            .join(page, page.c.page_id == Place.id)
            .order_by(page.c.order_0.desc(), page.c.order_1.asc())
        )
        prepared = _INDEX_FIRST_PAGES[dialect] = PreparedRead(statement)
    return prepared


async def _facets(session: AsyncSession, plan: _Plan, language: Language) -> dict[str, list[FacetCount]]:
    """Counts per category and per district of every match, from one grouped query."""
    counts = (
        plan.joined(select(Place.category_code, Place.district_code, func.count().label("matches")).select_from(Place))
        .where(*plan.conditions)
        .group_by(Place.category_code, Place.district_code)
    ).subquery()
    statement = (
        select(
            counts,
            Category.name,
            Category.name_en,
            District.name.label("district_name"),
            District.name_en.label("district_name_en"),
        )
        .join(Category, Category.code == counts.c.category_code)
        .join(District, District.code == counts.c.district_code)
    )
    totals: dict[str, dict[str, list]] = {"category": {}, "district": {}}
    for row in (await _core(session, statement)).all():
        for facet, value, name, name_en in (
            ("category", row.category_code, row.name, row.name_en),
            ("district", row.district_code, row.district_name, row.district_name_en),
        ):
            entry = totals[facet].setdefault(value, [localized(language, name, name_en) or name, 0])
            entry[1] += row.matches
    return {
        facet: [
            FacetCount(value=value, name=name, count=count)
            for value, (name, count) in sorted(totals[facet].items(), key=lambda item: (-item[1][1], item[0]))
        ]
        for facet in plan.query.facets
    }


async def place_location(session: AsyncSession, place_id: int) -> tuple[float, float]:
    row = (
        await session.execute(select(Place.lat, Place.lng).where(Place.id == place_id, publicly_visible(Place)))
    ).first()
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    return row.lat, row.lng


# Built once: the hottest read skips rebuilding its statement and its cache key on every request.
_DETAIL = PreparedRead(
    _with_names(
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
        )
    ).where(Place.id == bindparam("place_id"), publicly_visible(Place))
)


async def place_detail(
    session: AsyncSession, place_id: int, language: Language, coord: CoordSystem = "wgs84"
) -> dict[str, Any]:
    """PlaceDetail fields as a plain dict (see _summary)."""
    schedules = open_schedules(session)
    await schedules.refresh(session, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
    row = await _DETAIL.first(session, place_id=place_id)
    if row is None:
        raise NotFound(f"there is no published place {place_id}")
    if row.schedule_id is not None and not schedules.knows({row.schedule_id}):
        await schedules.refresh(session)
    return {
        **_summary(row, language, datetime.now(UTC), PlaceQuery(coord=coord), schedules),
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
        "live_capacity_unit": row.live_capacity_unit,
        "version": row.version,
        "created_at": to_local(row.created_at),
        "updated_at": to_local(row.updated_at),
    }


async def place_summaries(
    session: AsyncSession, ids: list[int], language: Language, *, visible_only: bool = True
) -> dict[int, dict[str, Any]]:
    """Summaries of the given places by id (for mixed lists: search across kinds, sync)."""
    if not ids:
        return {}
    schedules = open_schedules(session)
    schedules = open_schedules(session)
    await schedules.refresh(session, max_age_seconds=SCHEDULE_REFRESH_SECONDS)
    statement = _with_names(select(*_SUMMARY_COLUMNS)).where(Place.id.in_(ids))
    if visible_only:
        statement = statement.where(publicly_visible(Place))
    rows = (await _core(session, statement)).all()
    if not schedules.knows({row.schedule_id for row in rows if row.schedule_id is not None}):
        await schedules.refresh(session)
    now = datetime.now(UTC)
    return {row.id: _summary(row, language, now, PlaceQuery(), schedules) for row in rows}
