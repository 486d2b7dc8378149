"""Query parameters shared by the directory's public lists: words, category, district, a point and a radius, days."""

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator

from api.geo import CoordSystem, to_wgs84
from api.http import query_problem

MAX_RADIUS_M = 50_000

# Each constraint once, for the routes that declare single parameters and for PlaceSearchParams.
RADIUS_FIELD: dict[str, Any] = {"ge": 1, "le": MAX_RADIUS_M, "description": "Metres around `near` (default 3000)."}
COORD_FIELD: dict[str, Any] = {"description": "Coordinate system of `near` and of every coordinate in the answer."}
CATEGORY_FIELD: dict[str, Any] = {
    "pattern": r"^[a-z_]+(\.[a-z_]+)*$",
    "max_length": 60,
    "description": "Category code; a parent code (e.g. `elder_care`) includes its children.",
}
DISTRICT_FIELD: dict[str, Any] = {"pattern": r"^[0-9]{6}$", "description": "District code, e.g. 310104."}
NEAR_FIELD: dict[str, Any] = {
    "max_length": 64,
    "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*,\s*-?[0-9]+(\.[0-9]+)?\s*$",
    "description": "`lat,lng` (in `coord`)",
}


RadiusParam = Annotated[int, Query(**RADIUS_FIELD)]
CoordParam = Annotated[CoordSystem, Query(**COORD_FIELD)]
CategoryFilter = Annotated[str | None, Query(**CATEGORY_FIELD)]
DistrictFilter = Annotated[str | None, Query(**DISTRICT_FIELD)]
NearParam = Annotated[str | None, Query(**NEAR_FIELD)]


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


def parse_near(near: str | None, coord: CoordSystem) -> tuple[float, float] | None:
    if near is None:
        return None
    lat_text, lng_text = near.split(",")
    lat, lng = float(lat_text), float(lng_text)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise query_problem(
            "near", "near must be `lat,lng` with a latitude in [-90, 90] and a longitude in [-180, 180]"
        )
    return to_wgs84(lat, lng, coord)
