"""Operators' work on the directory: every version of a listing, bulk imports, and keys for machine feeds."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import json_column, timestamp_column

VERSIONED_KINDS = ("place", "event", "article", "bundle")
# Where a version came from: `baseline` is the state a listing had when its history began (seeded or created before
# history was kept), so that every later version has something to be compared with and reverted to. `feed`: a machine
# feed reported a new capacity (total beds or spaces).
VERSION_SOURCES = ("baseline", "manual", "import", "correction", "revert", "feed")
IMPORT_STATUSES = ("queued", "running", "succeeded", "failed")


class ListingVersion(SQLModel, table=True):
    """One version of a listing: what it was after the change, what the change was field by field, and why."""

    __tablename__ = "listing_version"
    __table_args__ = (
        UniqueConstraint("object_type", "object_key", "version"),
        CheckConstraint("object_type IN ('place', 'event', 'article', 'bundle')", name="object_type"),
        CheckConstraint("source IN ('baseline', 'manual', 'import', 'correction', 'revert', 'feed')", name="source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(max_length=10)
    # The listing's id as text (a bundle's key is its code).
    object_key: str = Field(max_length=60)
    version: int
    # The listing's editable fields after this version, as the API shows them.
    snapshot: dict[str, Any] = json_column(dict)
    # [{"field", "old", "new"}] in field order; empty for a baseline.
    changes: list[dict[str, Any]] = json_column(list)
    source: str = Field(max_length=12)
    # The import job, the correction's feedback, the version reverted to, or the feed key.
    source_ref: int | None = None
    reason: str | None = Field(default=None, max_length=500)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    created_at: datetime = timestamp_column()


class ImportJob(SQLModel, table=True):
    """One uploaded file of listings: its options, its progress, and the report of what each row became."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        Index("ix_import_job_actor_id_id", "actor_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    filename: str = Field(max_length=200)
    file_format: str = Field(max_length=4)  # csv | xlsx
    encoding: str | None = Field(default=None, max_length=20)
    dry_run: bool = False
    publish: bool = False
    status: str = Field(default="queued", max_length=10)
    rows_total: int = 0
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # [{"row", "column", "severity": error|warning, "code", "message", "place_id"?}]
    issues: list[dict[str, Any]] = json_column(list)
    # Why a job failed as a whole (the file could not be read, the process stopped).
    failure: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp_column()
    started_at: datetime | None = timestamp_column(nullable=True)
    finished_at: datetime | None = timestamp_column(nullable=True)


class FeedKey(SQLModel, table=True):
    """A key for a machine that pushes live figures (a car park's or a nursing home's system), scoped to districts
    and categories. Only a hash of the key is kept; the key itself is shown once, when it is made."""

    __tablename__ = "feed_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    # The key's first characters, shown in lists so that staff can tell keys apart; not secret.
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64, unique=True)
    districts: list[str] = json_column(list)
    categories: list[str] = json_column(list)
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_column()
    revoked_at: datetime | None = timestamp_column(nullable=True)
    last_used_at: datetime | None = timestamp_column(nullable=True)
