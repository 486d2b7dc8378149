"""One-thing bundle routes (no sign-in): the list, a bundle, and its guide."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.db import ReadSessionDep
from api.directory.bundles import service
from api.directory.bundles.schemas import BundleDetail, BundleSummary, GuideAnswer, GuideRequest
from api.http import LanguageDep, json_page, json_with_etag, plain
from api.pagination import CursorParam, LimitParam, Page, page_in_memory

router = APIRouter(prefix="/v1", tags=["directory"])

BundleCode = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["residence_permit"])]


@router.get("/bundles", response_model=Page[BundleSummary])
async def list_bundles(
    request: Request, session: ReadSessionDep, language: LanguageDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> Response:
    bundles = await service.list_bundles(session, language)
    page = page_in_memory(bundles, "code", kind="bundles", limit=limit, cursor=cursor)
    return json_page(request, page.items, page.next_cursor)


@router.get("/bundles/{bundle_code}", response_model=BundleDetail)
async def get_bundle(
    request: Request, session: ReadSessionDep, language: LanguageDep, bundle_code: BundleCode
) -> Response:
    bundle = await service.bundle_detail(session, bundle_code, language)
    return json_with_etag(request, plain(bundle))


@router.post("/bundles/{bundle_code}/guide", response_model=GuideAnswer)
async def guide_bundle(
    session: ReadSessionDep, language: LanguageDep, bundle_code: BundleCode, body: GuideRequest
) -> GuideAnswer:
    return await service.guide(session, bundle_code, body.answers, language)
