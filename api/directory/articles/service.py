"""Health-science articles: lists by topic, audience and words, and details."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.articles import views
from api.directory.articles.schemas import ArticleDetail, ArticleSummary
from api.errors import NotFound
from api.http import Language
from api.pagination import keyset_page
from api.textsearch.query import matching_content
from api.visibility import publicly_visible
from models import Article


async def list_articles(
    public: PublicRead,
    *,
    topic: str | None = None,
    audience: str | None = None,
    q: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[ArticleSummary], str | None]:
    """Newest first; `q` keeps those whose words match."""
    statement = select(Article).where(publicly_visible(Article), Article.published_at.is_not(None))
    async with public.session() as session:
        if q:
            statement = statement.where(await matching_content(session, q, "article", Article.id))
        if topic:
            statement = statement.where(Article.topic == topic)
        if audience:
            statement = statement.where(Article.audience == audience)
        page = await keyset_page(
            session,
            statement,
            [(Article.published_at, True), (Article.id, True)],
            kind="articles",
            shape=(datetime, int),
            limit=limit,
            cursor=cursor,
            key=lambda article: [article.published_at.isoformat(), article.id],
            scalars=True,
        )
        items = [views.summary(article, public.language) for article in page.rows]
    return items, page.next_cursor


async def article_detail(public: PublicRead, article_id: int) -> ArticleDetail:
    async with public.session() as session:
        article = (
            await session.scalars(select(Article).where(publicly_visible(Article), Article.id == article_id))
        ).first()
        if article is None:
            raise NotFound(f"there is no published article {article_id}")
        return views.detail(article, public.language)


async def article_summaries(session: AsyncSession, ids: list[int], language: Language) -> dict[int, ArticleSummary]:
    if not ids:
        return {}
    statement = select(Article).where(publicly_visible(Article), Article.id.in_(ids))
    return {a.id: views.summary(a, language) for a in (await session.scalars(statement)).all()}
