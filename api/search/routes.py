"""GET /v1/search: one query across every kind of listing."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from api.db import PublicReadDep
from api.directory.service import KINDS
from api.errors import ValidationFailed
from api.http import QParam, json_with_etag, parse_list
from api.pagination import CursorParam, LimitParam, Page
from api.search import service

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=Page[dict[str, Any]])
async def search(
    request: Request,
    public: PublicReadDep,
    q: QParam = None,
    kinds: Annotated[str | None, Query(max_length=40, description="Subset of place,event,article,bundle.")] = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    """Items carry `kind` (place, event, article, bundle) and that kind's summary.

    The kinds are taken in turn: the best place, the best event, the best article, the best bundle, then the
    second of each, and so on, passing over the kinds that have run out, so the first page shows the best of
    every kind that matches. Within a kind, name matches come first. `next_cursor` carries on every kind from
    where this page left it: paging to the end sees every match exactly once."""
    if not q:
        raise ValidationFailed("q is required", errors=[{"loc": ["query", "q"], "msg": "required", "type": "missing"}])
    chosen = parse_list("kinds", kinds, KINDS) or KINDS
    items, next_cursor = await service.search_everything(public, q, chosen, limit, cursor)
    return json_with_etag(request, {"items": items, "next_cursor": next_cursor})
