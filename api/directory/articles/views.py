"""What residents receive of a health-science article: its summary in every list and its details."""

from typing import Any

from api.directory.articles.schemas import ArticleDetail, ArticleSummary, Expert
from api.http import Language, localized
from api.timestamps import to_local
from models import Article


def _expert(expert: dict[str, Any] | None) -> Expert | None:
    if not expert:
        return None
    return Expert(name=expert["name"], title=expert.get("title"), organization=expert.get("organization"))


def _fields(article: Article, language: Language) -> dict[str, Any]:
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


def summary(article: Article, language: Language) -> ArticleSummary:
    return ArticleSummary(**_fields(article, language))


def detail(article: Article, language: Language) -> ArticleDetail:
    return ArticleDetail(
        **_fields(article, language),
        title_zh=article.title,
        title_en=article.title_en,
        body=article.body,
        version=article.version,
        updated_at=to_local(article.updated_at),
    )
