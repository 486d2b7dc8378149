"""The general SQL of a place search: every filter's condition, the order and the cursor's key, for the page and for
the facets. Every filter a request can set is applied here; the fast strategies each apply the few they serve.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, literal

from api.directory.places.query import PlaceQuery, cursor_kind
from api.geo import within_radius
from api.listings.derived import accessibility_mask
from api.pagination import KeyPart, OrderKey, decode_cursor
from api.textsearch.query import indexed_match, indexed_match_parameters, place_match
from api.textsearch.tokens import QueryPlan, filter_token
from api.visibility import in_category, publicly_visible
from models import Place

PLACE_LOCATION = (Place.lat, Place.lng)


@dataclass
class PlacePlan:
    """The WHERE clauses and the ordering of one place query, shared by the page and its facets.

    `source` and `id_column`: what the page of ids is read from (`place`, or the search index alone); `join`: a
    table the match needs (PostgreSQL's index rows); `parameters`: bound values of a statement built once."""

    query: PlaceQuery
    source: Any
    id_column: Any
    conditions: list[ColumnElement[bool]]
    order: OrderKey
    sort: str
    join: tuple[Any, ColumnElement[bool]] | None = None
    parameters: dict[str, Any] | None = None
    with_distance: bool = False

    def joined(self, statement: Select) -> Select:
        return statement.join(*self.join) if self.join is not None else statement

    def cursor_kind(self) -> str:
        return cursor_kind(self.sort, len(self.order))

    def decode(self, cursor: str | None) -> list[Any] | None:
        return decode_cursor(cursor, self.cursor_kind(), self._key_types())

    def _key_types(self) -> tuple[KeyPart, ...]:
        """The types of `order`'s values: the name hit and the id are integers, a squared distance a number."""
        if self.sort == "relevance":
            return (int, float, int) if self.with_distance else (int, int)
        return _KEY_TYPES.get(self.sort, (int,))


_KEY_TYPES: dict[str, tuple[KeyPart, ...]] = {"distance": (float, int), "name": (str, int), "updated": (datetime, int)}


def _filter_tokens(query: PlaceQuery) -> list[str]:
    # The district narrows through the words themselves (scoped to it in the index), the category by its token.
    return [filter_token("c", query.category)] if query.category else []


def general_plan(
    query: PlaceQuery, dialect: str, text_plan: QueryPlan | None, open_ids: frozenset[int] = frozenset()
) -> PlacePlan:
    """Every filter of the query, on `place` (joined to the search index for words). `open_ids`: the schedules open
    now, when the query asks for places open now."""
    conditions: list[ColumnElement[bool]] = [publicly_visible(Place)]
    name_hit: ColumnElement[int] = literal(0)
    join = None
    if query.q:
        if text_plan is None or text_plan.empty:
            conditions.append(literal(False))
        else:
            match = place_match(Place.id, text_plan, dialect, _filter_tokens(query), query.district)
            join, name_hit = match.join, match.name_hit
            conditions.append(match.condition)
    if query.category:
        conditions.append(in_category(Place.category_code, query.category))
    if query.district:
        conditions.append(Place.district_code == query.district)
    if query.street:
        conditions.append(Place.street_code == query.street)
    distance_sq = None
    if query.near:
        distance_sq, within = within_radius(query.near, query.radius_m, of=PLACE_LOCATION)
        conditions += within
    if query.accessibility:
        mask = accessibility_mask(query.accessibility)
        conditions.append(Place.accessibility_mask.op("&")(mask) == mask)
    if query.available:
        # Samples show no live figures (api.directory.places.views), so none is "available" either.
        conditions += [Place.available > 0, Place.is_sample.is_(False)]
    if query.open_now:
        conditions.append(Place.schedule_id.in_(sorted(open_ids)))
    if query.exclude_id is not None:
        conditions.append(Place.id != query.exclude_id)
    sort = query.effective_sort
    order: OrderKey
    if sort == "relevance":
        order = [(name_hit, True)]
        if distance_sq is not None:
            order.append((distance_sq, False))
        order.append((Place.id, False))
    elif sort == "distance" and distance_sq is not None:
        order = [(distance_sq, False), (Place.id, False)]
    elif sort == "name":
        # By the name's pinyin (`name_sort`), compared byte by byte on both databases: PostgreSQL's "C" collation,
        # which its index of visible listings by that key uses too.
        name = Place.name_sort.collate("C") if dialect == "postgresql" else Place.name_sort
        order = [(name, False), (Place.id, False)]
    elif sort == "updated":
        order = [(Place.updated_at, True), (Place.id, True)]
    else:
        order = [(Place.id, False)]
    return PlacePlan(query, Place, Place.id, conditions, order, sort, join=join, with_distance=distance_sq is not None)


def index_plan(query: PlaceQuery, dialect: str, text_plan: QueryPlan) -> PlacePlan:
    """Words ranked by relevance, narrowed by district and category, from the search index alone: it holds only
    what residents may see, and both filters are tokens in it, so `place` is read for the page's rows only.
    The index strategy (api.directory.places.strategies.index) is chosen only for queries it serves."""
    match = indexed_match(dialect, in_district=bool(query.district))
    parameters = indexed_match_parameters(text_plan, dialect, _filter_tokens(query), query.district)
    order: OrderKey = [(match.name_hit, True), (match.id_column, False)]
    return PlacePlan(query, match.source, match.id_column, [match.condition], order, "relevance", parameters=parameters)
