"""Health-science popularisation (健康科普) articles."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, Text
from sqlmodel import Field

from models.base import PublishableFields, json_column, status_check, timestamp_column


class Article(PublishableFields, table=True):
    __tablename__ = "article"
    __table_args__ = (
        CheckConstraint(status_check(), name="status"),
        Index("ix_article_status_published_at", "status", "published_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_ref: str | None = Field(default=None, max_length=120, unique=True)
    title: str = Field(max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    topic: str = Field(max_length=40, index=True)
    audience: str = Field(max_length=40, index=True)
    summary: str | None = Field(default=None, max_length=500)
    body: str = Field(sa_type=Text)
    expert: dict[str, Any] | None = json_column()
    published_at: datetime | None = timestamp_column(nullable=True)
