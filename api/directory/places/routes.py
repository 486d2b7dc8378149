"""Place routes (no sign-in): thin — parse, call the service, answer once with an ETag."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.db import PublicReadDep
from api.directory.params import CategoryFilter, CoordParam, RadiusParam
from api.directory.places import service
from api.directory.places.params import PlaceDetailDep, PlaceDetailParams, PlaceQueryDep, PlaceSearchParams
from api.directory.places.schemas import PlaceDetail, PlacePage
from api.http import PathId, json_page, json_with_etag

router = APIRouter(prefix="/v1", tags=["directory"])


@router.get("/places", response_model=PlacePage, openapi_extra=PlaceSearchParams.openapi_extra())
async def list_places(request: Request, public: PublicReadDep, query: PlaceQueryDep) -> Response:
    results = await service.search_places(public, query)
    return json_page(request, results.items, results.next_cursor, facets=results.facets)


@router.get("/places/{place_id}", response_model=PlaceDetail, openapi_extra=PlaceDetailParams.openapi_extra())
async def get_place(request: Request, public: PublicReadDep, params: PlaceDetailDep) -> Response:
    detail = await service.place_detail(public.reader, params.place_id, public.language, params.coord)
    return json_with_etag(request, detail)


@router.get("/places/{place_id}/nearby", response_model=PlacePage)
async def list_nearby_places(
    request: Request,
    public: PublicReadDep,
    place_id: PathId,
    category: CategoryFilter = None,
    radius_m: RadiusParam = 1000,
    coord: CoordParam = "wgs84",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    """Other published places around this one, nearest first."""
    results = await service.nearby_places(
        public, place_id, category=category, radius_m=radius_m, coord=coord, limit=limit, cursor=cursor
    )
    return json_page(request, results.items, results.next_cursor)
