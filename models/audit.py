"""The audit trail: every staff write and every reveal of personal data, append-only."""

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import json_column, timestamp_column


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id", index=True, ondelete="SET NULL")
    action: str = Field(max_length=40)
    object_type: str = Field(max_length=30)
    object_id: str = Field(max_length=40)
    reason: str | None = Field(default=None, max_length=500)
    details: dict[str, Any] = json_column(dict)
    created_at: datetime = timestamp_column(index=True)
