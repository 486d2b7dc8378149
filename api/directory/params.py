"""Parsing the place search parameters (shared by /v1/places, /nearby and /v1/search) into a PlaceQuery."""

from typing import Annotated

from fastapi import Query

from api.directory.derived import ACCESSIBILITY_FEATURES
from api.directory.place_query import PlaceQuery, PlaceSort
from api.errors import ValidationFailed
from api.geo import CoordSystem, to_wgs84

MAX_RADIUS_M = 50_000

QParam = Annotated[
    str | None,
    Query(max_length=100, description="Chinese, pinyin (`yanglao`), initials (`ylzx`) or English; words ANDed."),
]
NearParam = Annotated[
    str | None, Query(max_length=64, pattern=r"^\s*-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?\s*$", description="`lat,lng`")
]
RadiusParam = Annotated[int, Query(ge=1, le=MAX_RADIUS_M, description="Metres around `near` (default 3000).")]
CoordParam = Annotated[
    CoordSystem, Query(description="Coordinate system of `near` and of every coordinate in the answer.")
]
CategoryFilter = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z_]+(\.[a-z_]+)*$",
        max_length=60,
        description="Category code; a parent code (e.g. `elder_care`) includes its children.",
    ),
]
DistrictFilter = Annotated[str | None, Query(pattern=r"^\d{6}$", description="District code, e.g. 310104.")]
StreetFilter = Annotated[str | None, Query(pattern=r"^\d{9}$", description="Street/town code, 9 digits.")]


def _problem(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"loc": ["query", name], "msg": message, "type": "value_error"}])


def parse_near(near: str | None, coord: CoordSystem) -> tuple[float, float] | None:
    if near is None:
        return None
    lat_text, lng_text = near.split(",")
    lat, lng = float(lat_text), float(lng_text)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise _problem("near", "near must be `lat,lng` with a latitude in [-90, 90] and a longitude in [-180, 180]")
    return to_wgs84(lat, lng, coord)


def parse_list(name: str, value: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return ()
    items = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise _problem(name, f"unknown {name} {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return items


async def place_query(
    q: QParam = None,
    category: CategoryFilter = None,
    district: DistrictFilter = None,
    street: StreetFilter = None,
    near: NearParam = None,
    radius_m: RadiusParam = 3000,
    open_now: Annotated[bool, Query(description="Only places open now (Shanghai time, holidays honoured).")] = False,
    accessibility: Annotated[
        str | None, Query(max_length=200, description=f"All required, of: {', '.join(ACCESSIBILITY_FEATURES)}")
    ] = None,
    available: Annotated[bool, Query(description="Only places whose live figure (beds, spaces) is above 0.")] = False,
    sort: Annotated[
        PlaceSort | None,
        Query(description="Default: relevance with `q`, else distance with `near`, else stable id order."),
    ] = None,
    coord: CoordParam = "wgs84",
    facets: Annotated[str | None, Query(max_length=40, description="`category`, `district` or both.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> PlaceQuery:
    wgs_near = parse_near(near, coord)
    if sort == "distance" and wgs_near is None:
        raise _problem("sort", "sort=distance needs `near`")
    return PlaceQuery(
        q=q.strip() if q and q.strip() else None,
        category=category,
        district=district,
        street=street,
        near=wgs_near,
        radius_m=radius_m,
        open_now=open_now,
        accessibility=parse_list("accessibility", accessibility, ACCESSIBILITY_FEATURES),
        available=available,
        sort=sort,
        limit=limit,
        cursor=cursor,
        coord=coord,
        facets=parse_list("facets", facets, ("category", "district")),  # type: ignore[arg-type]
    )
