"""Health-science articles: lists by topic, audience and words, and details."""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.articles.schemas import ArticleDetail, ArticleSummary, Expert
from api.errors import NotFound
from api.http import Language, localized
from api.pagination import after_key, decode_cursor, encode_cursor
from api.textsearch.query import matching_content
from api.timestamps import to_local
from api.visibility import publicly_visible
from models import Article


def _expert(expert: dict[str, Any] | None) -> Expert | None:
    if not expert:
        return None
    return Expert(name=expert["name"], title=expert.get("title"), organization=expert.get("organization"))


def _article_fields(article: Article, language: Language) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": localized(language, article.title, article.title_en),
        "topic": article.topic,
        "audience": article.audience,
        "summary": article.summary,
        "expert": _expert(article.expert),
        "published_at": to_local(article.published_at),
        "sample": article.is_sample,
    }


async def list_articles(
    session: AsyncSession,
    language: Language,
    *,
    topic: str | None = None,
    audience: str | None = None,
    q: str | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> tuple[list[ArticleSummary], str | None]:
    """Newest first; `q` keeps those whose words match."""
    statement = select(Article).where(publicly_visible(Article), Article.published_at.is_not(None))
    if q:
        statement = statement.where(await matching_content(session, q, "article", Article.id))
    if topic:
        statement = statement.where(Article.topic == topic)
    if audience:
        statement = statement.where(Article.audience == audience)
    key = decode_cursor(cursor, "articles", (datetime, int))
    if key is not None:
        statement = statement.where(after_key([Article.published_at, Article.id], key, descending=True))
    statement = statement.order_by(Article.published_at.desc(), Article.id.desc()).limit(limit + 1)
    rows = (await session.scalars(statement)).all()
    items = [ArticleSummary(**_article_fields(article, language)) for article in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = encode_cursor("articles", [last.published_at.isoformat(), last.id])
    return items, next_cursor


async def article_detail(session: AsyncSession, article_id: int, language: Language) -> ArticleDetail:
    article = (
        await session.scalars(select(Article).where(publicly_visible(Article), Article.id == article_id))
    ).first()
    if article is None:
        raise NotFound(f"there is no published article {article_id}")
    return ArticleDetail(
        **_article_fields(article, language),
        title_zh=article.title,
        title_en=article.title_en,
        body=article.body,
        version=article.version,
        updated_at=to_local(article.updated_at),
    )


async def article_summaries(session: AsyncSession, ids: list[int], language: Language) -> dict[int, ArticleSummary]:
    if not ids:
        return {}
    statement = select(Article).where(publicly_visible(Article), Article.id.in_(ids))
    return {a.id: ArticleSummary(**_article_fields(a, language)) for a in (await session.scalars(statement)).all()}
