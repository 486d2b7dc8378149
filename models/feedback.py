"""Residents' feedback and everything that follows it: history, photos, notifications, templates, idempotency."""

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, LargeBinary, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from models.base import json_column, timestamp_column

FEEDBACK_KINDS = ("complaint", "suggestion", "correction", "praise")
FEEDBACK_STATUSES = ("submitted", "accepted", "in_progress", "resolved", "closed", "rejected", "duplicate", "reopened")
TARGET_KINDS = ("place", "event", "article", "bundle")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_one_of("kind", FEEDBACK_KINDS), name="kind"),
        CheckConstraint(_one_of("status", FEEDBACK_STATUSES), name="status"),
        CheckConstraint(f"target_kind IS NULL OR {_one_of('target_kind', TARGET_KINDS)}", name="target_kind"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("(lat IS NULL) = (lng IS NULL)", name="location_complete"),
        # The queue: open items of a district by deadline; a resident's own list, newest first.
        Index("ix_feedback_status_due_at", "status", "due_at"),
        Index("ix_feedback_author_id_id", "author_id", "id"),
        Index("ix_feedback_target_kind_target_key", "target_kind", "target_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)  # what a resident reads out on the phone: FK-20261128-7Q4M2X
    author_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    kind: str = Field(max_length=12)
    status: str = Field(default="submitted", max_length=12)
    target_kind: str | None = Field(default=None, max_length=10)
    target_key: str | None = Field(default=None, max_length=60)
    target_category: str | None = Field(default=None, max_length=60, index=True)
    district_code: str | None = Field(default=None, foreign_key="district.code", max_length=6, index=True)
    lat: float | None = None
    lng: float | None = None
    title: str = Field(max_length=100)
    body: str = Field(sa_type=Text)
    correction_field: str | None = Field(default=None, max_length=60)
    correction_value: str | None = Field(default=None, max_length=500)
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    duplicate_of_id: int | None = Field(default=None, foreign_key="feedback.id", index=True)
    due_at: datetime = timestamp_column()
    # The deadline counts through days of a year whose holidays are not published yet: recomputed when it is.
    due_provisional: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    resolved_at: datetime | None = timestamp_column(nullable=True)
    closed_at: datetime | None = timestamp_column(nullable=True)
    rating: int | None = None
    rating_comment: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp_column(index=True)
    updated_at: datetime = timestamp_column()


class FeedbackEvent(SQLModel, table=True):
    """One step of a feedback's history (append-only): a status move, a reply, a note, an assignment."""

    __tablename__ = "feedback_event"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    actor_role: str = Field(max_length=10)  # resident, reviewer, admin, system
    action: str = Field(max_length=20)  # submitted, status, reply, note, assigned, rated, photo
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str | None = Field(default=None, max_length=12)
    public: bool = True
    message: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp_column()


class FeedbackPhoto(SQLModel, table=True):
    __tablename__ = "feedback_photo"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True, ondelete="CASCADE")
    storage_key: str = Field(max_length=200, unique=True)
    content_type: str = Field(max_length=20)
    width: int
    height: int
    size_bytes: int
    created_at: datetime = timestamp_column()


class FeedbackPhotoContent(SQLModel, table=True):
    """A photo's bytes when the database is the photo store (PHOTO_STORE=database): a table of their own, so that
    reading feedback and its photos' rows never drags the images along; gone with their row (ON DELETE CASCADE)."""

    __tablename__ = "feedback_photo_content"

    photo_id: int = Field(primary_key=True, foreign_key="feedback_photo.id", ondelete="CASCADE")
    content: bytes = Field(sa_type=LargeBinary)


class Notification(SQLModel, table=True):
    """An entry of a resident's in-app inbox."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_id_id", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    feedback_id: int | None = Field(default=None, foreign_key="feedback.id", ondelete="CASCADE")
    kind: str = Field(max_length=20)  # status, reply, duplicate, original_resolved
    title: str = Field(max_length=120)
    body: str = Field(sa_type=Text)
    created_at: datetime = timestamp_column()
    read_at: datetime | None = timestamp_column(nullable=True)


class ResponseTemplate(SQLModel, table=True):
    """A reply the feedback team reuses."""

    __tablename__ = "response_template"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    kind: str | None = Field(default=None, max_length=12)
    body: str = Field(sa_type=Text)
    created_by: int | None = Field(default=None, foreign_key="user_account.id", ondelete="SET NULL")
    created_at: datetime = timestamp_column()
    updated_at: datetime = timestamp_column()


class IdempotencyRecord(SQLModel, table=True):
    """A resident's request key and the answer it got, stored in the same transaction as what it created."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", ondelete="CASCADE")
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    response_status: int | None = None
    response_body: dict[str, Any] | None = json_column()
    created_at: datetime = timestamp_column(index=True)
