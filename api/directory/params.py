"""Parsing the place search parameters (shared by /v1/places, /nearby and /v1/search) into a PlaceQuery."""

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import AfterValidator, BeforeValidator, Field

from api.directory.derived import ACCESSIBILITY_FEATURES
from api.directory.place_query import PlaceQuery, PlaceSort
from api.errors import ValidationFailed
from api.geo import CoordSystem, to_wgs84
from api.http import MAX_ID, RouteParams

MAX_RADIUS_M = 50_000

# Each constraint once, for the routes that declare single parameters and for PlaceSearchParams.
_Q: dict[str, Any] = {
    "max_length": 100,
    "description": "Chinese, pinyin (`yanglao`), initials (`ylzx`) or English; words ANDed.",
}
_RADIUS: dict[str, Any] = {"ge": 1, "le": MAX_RADIUS_M, "description": "Metres around `near` (default 3000)."}
_COORD: dict[str, Any] = {"description": "Coordinate system of `near` and of every coordinate in the answer."}
_CATEGORY: dict[str, Any] = {
    "pattern": r"^[a-z_]+(\.[a-z_]+)*$",
    "max_length": 60,
    "description": "Category code; a parent code (e.g. `elder_care`) includes its children.",
}
_DISTRICT: dict[str, Any] = {"pattern": r"^[0-9]{6}$", "description": "District code, e.g. 310104."}
_NEAR: dict[str, Any] = {
    "max_length": 64,
    "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*,\s*-?[0-9]+(\.[0-9]+)?\s*$",
    "description": "`lat,lng` (in `coord`)",
}


def _trimmed(text: str | None) -> str | None:
    """Words as searched: spaces around them dropped, and nothing but spaces the same as no `q`."""
    return (text or "").strip() or None


QParam = Annotated[str | None, Query(**_Q), AfterValidator(_trimmed)]
RadiusParam = Annotated[int, Query(**_RADIUS)]
CoordParam = Annotated[CoordSystem, Query(**_COORD)]
CategoryFilter = Annotated[str | None, Query(**_CATEGORY)]
DistrictFilter = Annotated[str | None, Query(**_DISTRICT)]
NearParam = Annotated[str | None, Query(**_NEAR)]


# Days are Shanghai days, turned into UTC instants: the calendar's extremes (0001-01-01, 9999-12-31) could not be.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _day_text(value: object) -> object:
    # pydantic would also take a number of seconds since 1970 ("0") as a day.
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


def _within_calendar(day: date | None) -> date | None:
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"a day from {EARLIEST_DAY} to {LATEST_DAY}")
    return day


DayParam = Annotated[date | None, BeforeValidator(_day_text), AfterValidator(_within_calendar)]


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


class PlaceSearchParams(RouteParams):
    """The query string of a place search (/v1/places)."""

    q: Annotated[str | None, AfterValidator(_trimmed)] = Field(None, **_Q)
    category: str | None = Field(None, **_CATEGORY)
    district: str | None = Field(None, **_DISTRICT)
    street: str | None = Field(None, pattern=r"^[0-9]{9}$", description="Street/town code, 9 digits.")
    near: str | None = Field(None, **_NEAR)
    radius_m: int = Field(3000, **_RADIUS)
    open_now: bool = Field(False, description="Only places open now (Shanghai time, holidays honoured).")
    accessibility: str | None = Field(
        None, max_length=200, description=f"All required, of: {', '.join(ACCESSIBILITY_FEATURES)}"
    )
    available: bool = Field(False, description="Only places whose live figure (beds, spaces) is above 0.")
    sort: PlaceSort | None = Field(
        None, description="Default: relevance with `q`, else distance with `near`, else stable id order."
    )
    coord: CoordSystem = Field("wgs84", **_COORD)
    facets: str | None = Field(None, max_length=40, description="`category`, `district` or both.")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=512)


async def place_query(request: Request) -> PlaceQuery:
    params = PlaceSearchParams.from_request(request)
    wgs_near = parse_near(params.near, params.coord)
    if params.sort == "distance" and wgs_near is None:
        raise _problem("sort", "sort=distance needs `near`")
    return PlaceQuery(
        q=params.q,
        category=params.category,
        district=params.district,
        street=params.street,
        near=wgs_near,
        radius_m=params.radius_m,
        open_now=params.open_now,
        accessibility=parse_list("accessibility", params.accessibility, ACCESSIBILITY_FEATURES),
        available=params.available,
        sort=params.sort,
        limit=params.limit,
        cursor=params.cursor,
        coord=params.coord,
        facets=parse_list("facets", params.facets, ("category", "district")),  # type: ignore[arg-type]
    )


PlaceQueryDep = Annotated[PlaceQuery, Depends(place_query)]


class PlaceDetailParams(RouteParams):
    """A place by id (/v1/places/{place_id})."""

    path_fields = frozenset({"place_id"})

    place_id: int = Field(ge=1, le=MAX_ID)
    coord: CoordSystem = Field("wgs84", **_COORD)


async def place_detail_params(request: Request) -> PlaceDetailParams:
    return PlaceDetailParams.from_request(request)


PlaceDetailDep = Annotated[PlaceDetailParams, Depends(place_detail_params)]
