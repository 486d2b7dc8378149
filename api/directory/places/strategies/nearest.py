"""The map strategy: what is near me, nearest first, the commonest map request, as prepared reads.

Built per request, the statement for a circle search cost more Python than the database spent answering it (the
point, the box and the radius are new values every time, so SQLAlchemy built, keyed and processed a fresh
expression tree). Its shape, though, depends only on which filters are present: one `PreparedRead` per shape
takes the point, box and radius as parameters, and the page comes back with the same columns and cursor keys as
the general strategy.
"""

import math
from typing import Any

from sqlalchemy import Float, Integer, Select, String, bindparam, or_, select

from api.directory.places.query import PlaceQuery, cursor_kind
from api.directory.places.strategies.base import PageStrategy, PlaceSearch, results_of
from api.directory.places.strategies.general import circle_radii
from api.directory.places.views import SUMMARY_COLUMNS, PlaceResults
from api.geo import METRES_PER_DEGREE, bounding_box, flat_distance_sq
from api.prepared import PreparedRead, PreparedRow
from api.textsearch.tokens import QueryPlan
from api.visibility import publicly_visible
from models import Place

# Ids start at 1: "exclude id 0" excludes nothing, so the place itself (nearby) and the map share one shape.
NO_EXCLUDED_ID = 0


def _like_prefix(code: str) -> str:
    escaped = code.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + ".%"


def _page_statement(summary: Select, *, by_category: bool, by_district: bool) -> Select:
    lat, lng = bindparam("lat", type_=Float), bindparam("lng", type_=Float)
    distance_sq = flat_distance_sq(lat, lng, bindparam("lng_scale", type_=Float), of=(Place.lat, Place.lng))
    conditions = [
        publicly_visible(Place),
        Place.lat.between(bindparam("south", type_=Float), bindparam("north", type_=Float)),
        Place.lng.between(bindparam("west", type_=Float), bindparam("east", type_=Float)),
        distance_sq <= bindparam("radius_sq", type_=Float),
        Place.id != bindparam("exclude_id", type_=Integer),
    ]
    if by_category:
        category = bindparam("category", type_=String)
        conditions.append(
            or_(Place.category_code == category, Place.category_code.like(bindparam("category_like"), escape="/"))
        )
    if by_district:
        conditions.append(Place.district_code == bindparam("district", type_=String))
    page = (
        select(Place.id.label("page_id"), distance_sq.label("order_0"), Place.id.label("order_1"))
        .where(*conditions)
        .order_by("order_0", "order_1")
        .limit(bindparam("page_limit", type_=Integer))
        .subquery("page")
    )
    return (
        summary.add_columns(*page.c)
        .join(page, page.c.page_id == Place.id)
        .order_by(page.c.order_0.asc(), page.c.order_1.asc())
    )


class NearestOnTheMap(PageStrategy):
    """A first page by distance, filtered at most by category, district and one excluded place (the nearby list).
    The prepared statements, one per filter shape, are made on first use."""

    name = "map"
    serves = frozenset({"near", "category", "district", "exclude_id"})
    sorts = frozenset({"distance"})
    needs = frozenset({"near"})

    def __init__(self) -> None:
        self._summary = select(*SUMMARY_COLUMNS)
        self._by_shape: dict[tuple[bool, bool], PreparedRead] = {}

    def _prepared(self, by_category: bool, by_district: bool) -> PreparedRead:
        shape = (by_category, by_district)
        prepared = self._by_shape.get(shape)
        if prepared is None:
            statement = _page_statement(self._summary, by_category=by_category, by_district=by_district)
            prepared = self._by_shape[shape] = PreparedRead(statement)
        return prepared

    async def page(self, search: PlaceSearch, query: PlaceQuery, text_plan: QueryPlan | None) -> PlaceResults:
        # No statement to build, no session connection to check out.
        rows = await self.first_page_rows(search, query)
        return await results_of(search, query, rows, cursor_kind("distance", 2), keys=2)

    async def first_page_rows(self, search: PlaceSearch, query: PlaceQuery) -> list[PreparedRow]:
        """The nearest limit + 1 matches, from the smallest circle that already holds that many."""
        assert query.near is not None
        lat, lng = query.near
        prepared = self._prepared(query.category is not None, query.district is not None)
        parameters: dict[str, Any] = {
            "lat": lat,
            "lng": lng,
            "lng_scale": METRES_PER_DEGREE * math.cos(math.radians(lat)),
            "exclude_id": query.exclude_id if query.exclude_id is not None else NO_EXCLUDED_ID,
            "page_limit": query.limit + 1,
        }
        if query.category is not None:
            parameters |= {"category": query.category, "category_like": _like_prefix(query.category)}
        if query.district is not None:
            parameters["district"] = query.district
        rows: list[PreparedRow] = []
        for radius in circle_radii(query.radius_m):
            south, north, west, east = bounding_box(lat, lng, float(radius))
            box = {"south": south, "north": north, "west": west, "east": east, "radius_sq": float(radius) ** 2}
            rows = await prepared.all(search.reader, **parameters, **box)
            if len(rows) > query.limit:
                break
        return rows
