"""Reference data routes: districts, their streets, the category tree (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.db import ReadSessionDep
from api.directory.reference import service
from api.directory.reference.schemas import CategoryNode, DistrictPublic, StreetPublic
from api.http import LanguageDep, json_page
from api.pagination import CursorParam, LimitParam, Page, page_in_memory

router = APIRouter(prefix="/v1", tags=["directory"])

DistrictCode = Annotated[str, Path(pattern=r"^[0-9]{6}$", examples=["310104"])]


@router.get("/districts", response_model=Page[DistrictPublic])
async def list_districts(
    request: Request, session: ReadSessionDep, language: LanguageDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    districts = await service.list_districts(session, language)
    page = page_in_memory(districts, "code", kind="districts", limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)


@router.get("/districts/{district_code}/streets", response_model=Page[StreetPublic])
async def list_district_streets(
    request: Request,
    session: ReadSessionDep,
    district_code: DistrictCode,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    await service.get_district(session, district_code)
    streets = await service.list_streets(session, district_code)
    page = page_in_memory(streets, "code", kind=f"streets:{district_code}", limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)


@router.get("/categories", response_model=Page[CategoryNode])
async def list_categories(
    request: Request,
    session: ReadSessionDep,
    language: LanguageDep,
    kind: Annotated[str | None, Query(pattern="^(place|event)$")] = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    tree = await service.category_tree(session, language, kind)
    page = page_in_memory(tree, "code", kind=f"categories:{kind}", limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)
