"""Health-science article routes (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.db import PublicReadDep
from api.directory.articles import service
from api.directory.articles.schemas import ArticleDetail, ArticleSummary
from api.http import PathId, QParam, json_page, json_with_etag, plain
from api.pagination import CursorParam, LimitParam, Page

router = APIRouter(prefix="/v1", tags=["directory"])


@router.get("/articles", response_model=Page[ArticleSummary])
async def list_articles(
    request: Request,
    public: PublicReadDep,
    topic: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
    audience: Annotated[str | None, Query(pattern=r"^[a-z_]{2,40}$")] = None,
    q: QParam = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    items, next_cursor = await service.list_articles(
        public, topic=topic, audience=audience, q=q, limit=limit, cursor=cursor
    )
    return json_page(request, items, next_cursor)


@router.get("/articles/{article_id}", response_model=ArticleDetail)
async def get_article(request: Request, public: PublicReadDep, article_id: PathId) -> Response:
    article = await service.article_detail(public, article_id)
    return json_with_etag(request, plain(article))
