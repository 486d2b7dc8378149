"""One-thing bundle routes (no sign-in): the list, a bundle, and its guide."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.db import PublicReadDep
from api.directory.bundles import service
from api.directory.bundles.schemas import BundleDetail, BundleSummary, GuideAnswer, GuideRequest
from api.http import json_page, json_with_etag, plain
from api.pagination import CursorParam, LimitParam, Page

router = APIRouter(prefix="/v1", tags=["directory"])

BundleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["residence_permit"])]


@router.get("/bundles", response_model=Page[BundleSummary])
async def list_bundles(
    request: Request, public: PublicReadDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    page = await service.list_bundles(public, limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)


@router.get("/bundles/{bundle_code}", response_model=BundleDetail)
async def get_bundle(request: Request, public: PublicReadDep, bundle_code: BundleCode) -> Response:
    bundle = await service.bundle_detail(public, bundle_code)
    return json_with_etag(request, plain(bundle))


@router.post("/bundles/{bundle_code}/guide", response_model=GuideAnswer)
async def guide_bundle(public: PublicReadDep, bundle_code: BundleCode, body: GuideRequest) -> GuideAnswer:
    return await service.guide(public, bundle_code, body.answers)
