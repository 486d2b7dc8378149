"""The query string of a place search (/v1/places) and of a place by id, parsed once into a PlaceQuery."""

from typing import Annotated

from fastapi import Depends, Request
from pydantic import AfterValidator, Field

from api.directory.params import CATEGORY_FIELD, COORD_FIELD, DISTRICT_FIELD, NEAR_FIELD, RADIUS_FIELD, parse_near
from api.directory.places.query import PlaceQuery, PlaceSort
from api.geo import CoordSystem
from api.http import MAX_ID, Q_FIELD, RouteParams, parse_list, query_problem, trimmed_words
from api.listings.derived import ACCESSIBILITY_FEATURES


class PlaceSearchParams(RouteParams):
    """The query string of a place search (/v1/places)."""

    q: Annotated[str | None, AfterValidator(trimmed_words)] = Field(None, **Q_FIELD)
    category: str | None = Field(None, **CATEGORY_FIELD)
    district: str | None = Field(None, **DISTRICT_FIELD)
    street: str | None = Field(None, pattern=r"^[0-9]{9}$", description="Street/town code, 9 digits.")
    near: str | None = Field(None, **NEAR_FIELD)
    radius_m: int = Field(3000, **RADIUS_FIELD)
    open_now: bool = Field(False, description="Only places open now (Shanghai time, holidays honoured).")
    accessibility: str | None = Field(
        None, max_length=200, description=f"All required, of: {', '.join(ACCESSIBILITY_FEATURES)}"
    )
    available: bool = Field(False, description="Only places whose live figure (beds, spaces) is above 0.")
    sort: PlaceSort | None = Field(
        None, description="Default: relevance with `q`, else distance with `near`, else stable id order."
    )
    coord: CoordSystem = Field("wgs84", **COORD_FIELD)
    facets: str | None = Field(None, max_length=40, description="`category`, `district` or both.")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=512)


async def place_query(request: Request) -> PlaceQuery:
    params = PlaceSearchParams.from_request(request)
    wgs_near = parse_near(params.near, params.coord)
    if params.sort == "distance" and wgs_near is None:
        raise query_problem("sort", "sort=distance needs `near`")
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
    coord: CoordSystem = Field("wgs84", **COORD_FIELD)


async def place_detail_params(request: Request) -> PlaceDetailParams:
    return PlaceDetailParams.from_request(request)


PlaceDetailDep = Annotated[PlaceDetailParams, Depends(place_detail_params)]
