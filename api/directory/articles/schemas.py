"""Health-science articles as residents read them."""

from datetime import datetime

from pydantic import BaseModel


class Expert(BaseModel):
    name: str
    title: str | None = None
    organization: str | None = None


class ArticleSummary(BaseModel):
    id: int
    title: str
    topic: str
    audience: str
    summary: str | None
    expert: Expert | None
    published_at: datetime | None
    sample: bool


class ArticleDetail(ArticleSummary):
    title_zh: str
    title_en: str | None
    body: str
    version: int
    updated_at: datetime
