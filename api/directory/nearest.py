"""What is near me, nearest first: the commonest map request, as prepared reads.

Built per request, the statement for a circle search cost more Python than the database spent answering it (the
point, the box and the radius are new values every time, so SQLAlchemy built, keyed and processed a fresh
expression tree). Its shape, though, depends only on which filters are present: one `PreparedRead` per shape
takes the point, box and radius as parameters, and the page comes back with the same columns and cursor keys as
the general path (`places._page_rows`).
"""

import math
from typing import Any

from sqlalchemy import Float, Integer, Select, String, bindparam, or_, select

from api.directory.place_query import PlaceQuery, flat_distance_sq
from api.directory.queries import publicly_visible
from api.geo import METRES_PER_DEGREE, bounding_box
from api.prepared import PreparedRead, PreparedRow, Reader
from models import Place

# Circles tried before the whole radius, as fractions of it: in the dense centre a 3 km circle holds thousands of
# listings, and ranking them all to show the nearest 20 is most of the work.
NEAREST_FIRST_FRACTIONS = (0.125, 0.35)


def circle_radii(radius_m: int) -> list[int]:
    """The radii to try, smallest first, ending with the whole radius: every match in a smaller circle is nearer
    than any outside it, so the first circle holding more than a page gives the same page and cursor keys."""
    return [*(max(1, int(radius_m * fraction)) for fraction in NEAREST_FIRST_FRACTIONS), radius_m]


# Ids start at 1: "exclude id 0" excludes nothing, so the place itself (nearby) and the map share one shape.
NO_EXCLUDED_ID = 0


def answers(query: PlaceQuery) -> bool:
    """Whether a prepared nearest-first read serves this query: a first page by distance, filtered at most by
    category, district and one excluded place."""
    others = (query.q, query.street, query.accessibility, query.available, query.open_now, query.facets)
    return query.near is not None and query.effective_sort == "distance" and query.cursor is None and not any(others)


def _like_prefix(code: str) -> str:
    escaped = code.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + ".%"


def _page_statement(summary: Select, *, by_category: bool, by_district: bool) -> Select:
    lat, lng = bindparam("lat", type_=Float), bindparam("lng", type_=Float)
    distance_sq = flat_distance_sq(lat, lng, bindparam("lng_scale", type_=Float))
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


class NearestPages:
    """The prepared statements, one per filter shape, made on first use from the summary select of `places`."""

    def __init__(self, summary: Select) -> None:
        self._summary = summary
        self._by_shape: dict[tuple[bool, bool], PreparedRead] = {}

    def _prepared(self, by_category: bool, by_district: bool) -> PreparedRead:
        shape = (by_category, by_district)
        prepared = self._by_shape.get(shape)
        if prepared is None:
            statement = _page_statement(self._summary, by_category=by_category, by_district=by_district)
            prepared = self._by_shape[shape] = PreparedRead(statement)
        return prepared

    async def first_page(self, reader: Reader, query: PlaceQuery) -> list[PreparedRow]:
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
            rows = await prepared.all(reader, **parameters, **box)
            if len(rows) > query.limit:
                break
        return rows
