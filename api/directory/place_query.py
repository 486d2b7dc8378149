"""How a place query becomes SQL: its filters, its ordering and its cursor, for the page and for the facets."""

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, literal

from api.directory.derived import accessibility_mask
from api.directory.queries import OrderKey, in_category, publicly_visible
from api.geo import METRES_PER_DEGREE, CoordSystem, bounding_box
from api.pagination import KeyPart, decode_cursor
from api.search.query import indexed_match, indexed_match_parameters, place_match
from api.search.tokens import QueryPlan, filter_token
from models import Place

PlaceSort = Literal["relevance", "distance", "name", "updated"]
FacetName = Literal["category", "district"]


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


def within_radius(
    near: tuple[float, float], radius_m: float, of: tuple[Any, Any] = (Place.lat, Place.lng)
) -> tuple[ColumnElement[float], list[ColumnElement[bool]]]:
    """The squared distance from `near` of the location columns `of`, and the conditions of lying within the
    radius: the box the location index starts from, then the circle."""
    lat, lng = near
    radius = float(radius_m)
    south, north, west, east = bounding_box(lat, lng, radius)
    distance_sq = flat_distance_sq(lat, lng, METRES_PER_DEGREE * math.cos(math.radians(lat)), of=of)
    row_lat, row_lng = of
    return distance_sq, [row_lat.between(south, north), row_lng.between(west, east), distance_sq <= radius * radius]


def flat_distance_sq(
    lat: Any, lng: Any, lng_scale: Any, of: tuple[Any, Any] = (Place.lat, Place.lng)
) -> ColumnElement[float]:
    """Squared metres by the flat-earth approximation: good to a fraction of a percent within 50 km.

    `lng_scale` is metres per degree of longitude at `lat`; values or bind parameters (api.directory.nearest).
    `of`: the location columns (those of `place`, or the grid index's copy), the same arithmetic either way, so
    that distances and the cursors made of them agree to the bit."""
    row_lat, row_lng = of
    return ((row_lat - lat) * METRES_PER_DEGREE) * ((row_lat - lat) * METRES_PER_DEGREE) + (
        (row_lng - lng) * lng_scale
    ) * ((row_lng - lng) * lng_scale)


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


class PlacePlan:
    """The WHERE clauses and the ordering of one place query, shared by the page and its facets."""

    source: Any
    id_column: Any
    conditions: list[ColumnElement[bool]]
    name_hit: ColumnElement[int]

    def __init__(
        self, query: PlaceQuery, dialect: str, plan: QueryPlan | None, open_ids: frozenset[int] = frozenset()
    ) -> None:
        self.query = query
        self.distance_sq: ColumnElement[float] | None = None
        self.join: tuple[Any, ColumnElement[bool]] | None = None
        # The district narrows through the words themselves (scoped to it in the index), the category by its token.
        filters = [filter_token("c", query.category)] if query.category else []
        self.parameters: dict[str, Any] = {}
        self.index_only = plan is not None and not plan.empty and _index_alone_answers(query)
        if self.index_only:
            # Every filter is an index token: the page comes from the index table, `place` is read for it only.
            match = indexed_match(dialect, in_district=bool(query.district))
            self.parameters = indexed_match_parameters(plan, dialect, filters, query.district)
            self.source, self.id_column = match.source, match.id_column
            self.conditions, self.name_hit = [match.condition], match.name_hit
            self.order: OrderKey = [(self.name_hit, True), (self.id_column, False)]
            self.sort = "relevance"
            return
        self.source, self.id_column = Place, Place.id
        self.conditions = [publicly_visible(Place)]
        self.name_hit = literal(0)
        if query.q:
            if plan is None or plan.empty:
                self.conditions.append(literal(False))
            else:
                match = place_match(Place.id, plan, dialect, filters, query.district)
                self.join, self.name_hit = match.join, match.name_hit
                self.conditions.append(match.condition)
        if query.category:
            self.conditions.append(in_category(Place.category_code, query.category))
        if query.district:
            self.conditions.append(Place.district_code == query.district)
        if query.street:
            self.conditions.append(Place.street_code == query.street)
        if query.near:
            self.distance_sq, within = within_radius(query.near, query.radius_m)
            self.conditions += within
        if query.accessibility:
            mask = accessibility_mask(query.accessibility)
            self.conditions.append(Place.accessibility_mask.op("&")(mask) == mask)
        if query.available:
            # Samples show no live figures (api.directory.places), so none is "available" either.
            self.conditions += [Place.available > 0, Place.is_sample.is_(False)]
        if query.open_now:
            self.conditions.append(Place.schedule_id.in_(sorted(open_ids)))
        if query.exclude_id is not None:
            self.conditions.append(Place.id != query.exclude_id)
        # By the name's pinyin (`name_sort`), compared byte by byte on both databases: PostgreSQL's "C" collation,
        # which its index of visible listings by that key uses too.
        name = Place.name_sort.collate("C") if dialect == "postgresql" else Place.name_sort
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
        return cursor_kind(self.sort, len(self.order))

    def decode(self, cursor: str | None) -> list[Any] | None:
        return decode_cursor(cursor, self.cursor_kind(), self._key_types())

    def _key_types(self) -> tuple[KeyPart, ...]:
        """The types of `order`'s values: the name hit and the id are integers, a squared distance a number."""
        if self.sort == "relevance":
            return (int, float, int) if self.distance_sq is not None else (int, int)
        return _KEY_TYPES.get(self.sort, (int,))

    def key_of(self, row: Any) -> list[Any]:
        return page_key(row, len(self.order))


_KEY_TYPES: dict[str, tuple[KeyPart, ...]] = {"distance": (float, int), "name": (str, int), "updated": (datetime, int)}


def cursor_kind(sort: str, keys: int) -> str:
    return f"places:{sort}:{keys}"


def page_key(row: Any, keys: int) -> list[Any]:
    """The cursor key of a page row, from its selected order_0 … order_n labels."""
    values = [getattr(row, f"order_{i}") for i in range(keys)]
    return [value.isoformat() if isinstance(value, datetime) else value for value in values]
