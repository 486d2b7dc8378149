"""Shared table machinery: constraint naming, UTC timestamps that survive SQLite, JSON columns."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

PUBLICATION_STATUSES = ("draft", "published", "archived")
# An event that will not take place stays readable, so that residents who saved it learn that it is off.
EVENT_STATUSES = (*PUBLICATION_STATUSES, "cancelled")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def json_column(default_factory: Any = None) -> Any:
    """A JSON column; with `default_factory` (list, dict) it is NOT NULL, without it nullable."""
    if default_factory is None:
        return Field(default=None, sa_column=Column(JSONType, nullable=True))
    return Field(default_factory=default_factory, sa_column=Column(JSONType, nullable=False))


def timestamp_column(*, nullable: bool = False, index: bool = False) -> Any:
    column = Column(UTCDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


class PublishableFields(SQLModel):
    """What every curated listing shares: publication status, sample flag, version (ETag), timestamps, soft delete."""

    status: str = Field(default="draft", max_length=10)
    is_sample: bool = False
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


def status_check(column: str = "status", statuses: tuple[str, ...] = PUBLICATION_STATUSES) -> str:
    allowed = ", ".join(f"'{status}'" for status in statuses)
    return f"{column} IN ({allowed})"


# Full-text search structures are built per dialect by hand-written migrations and have no model.
UNMODELLED_PREFIXES = ("search_", "sqlite_")


def include_in_autogenerate(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's filter: compare modelled tables only, not the hand-built search index objects."""
    if type_ == "table" and name and name.startswith(UNMODELLED_PREFIXES):
        return False
    return not (type_ == "index" and name and name.startswith("ix_search_"))
