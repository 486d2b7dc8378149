"""Reference data routes: districts, their streets, the category tree (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.db import PublicReadDep
from api.directory.catalogue import service
from api.directory.catalogue.schemas import CategoryNode, DistrictPublic, StreetPublic
from api.http import json_page
from api.pagination import CursorParam, LimitParam, Page

router = APIRouter(prefix="/v1", tags=["directory"])

DistrictCode = Annotated[str, Path(pattern=r"^[0-9]{6}$", examples=["310104"])]


@router.get("/districts", response_model=Page[DistrictPublic])
async def list_districts(
    request: Request, public: PublicReadDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    page = await service.list_districts(public, limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)


@router.get("/districts/{district_code}/streets", response_model=Page[StreetPublic])
async def list_district_streets(
    request: Request,
    public: PublicReadDep,
    district_code: DistrictCode,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    page = await service.list_streets(public, district_code, limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)


@router.get("/categories", response_model=Page[CategoryNode])
async def list_categories(
    request: Request,
    public: PublicReadDep,
    kind: Annotated[str | None, Query(pattern="^(place|event)$")] = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    page = await service.list_categories(public, kind, limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)
