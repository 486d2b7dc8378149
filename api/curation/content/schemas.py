"""What staff send and see when they curate events, articles and one-thing bundles."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.curation.content.fields import ArticleFields, BundleFields, EventFields
from api.http import RequestBody
from api.timestamps import ShanghaiTime

STATUS_DESCRIPTION = "draft, published, archived; an event also cancelled (residents still read it, so marked)."


class ManagedEvent(EventFields):
    """An event with its state: drafts, cancelled and archived ones included. Its `ETag` header is its version."""

    id: int
    status: str = Field(description=STATUS_DESCRIPTION)
    version: int
    created_at: ShanghaiTime
    updated_at: ShanghaiTime


class ManagedArticle(ArticleFields):
    id: int
    status: str = Field(description=STATUS_DESCRIPTION)
    version: int
    published_at: ShanghaiTime | None = Field(description="Set when it is first published.")
    created_at: ShanghaiTime
    updated_at: ShanghaiTime


class ManagedBundle(BundleFields):
    code: str
    status: str = Field(description=STATUS_DESCRIPTION)
    version: int
    created_at: ShanghaiTime
    updated_at: ShanghaiTime


class ManagedEventItem(BaseModel):
    id: int
    title: str
    category: str
    district: str | None
    status: str
    starts_at: ShanghaiTime
    ends_at: ShanghaiTime
    version: int
    updated_at: ShanghaiTime


class ManagedArticleItem(BaseModel):
    id: int
    title: str
    topic: str
    audience: str
    status: str
    published_at: ShanghaiTime | None
    version: int
    updated_at: ShanghaiTime


class ManagedBundleItem(BaseModel):
    code: str
    name: str
    status: str
    version: int
    updated_at: ShanghaiTime


class StatusChange(RequestBody):
    reason: str | None = Field(default=None, max_length=500, description="Kept in the history and the audit trail.")


class Cancellation(RequestBody):
    reason: str = Field(
        min_length=1, max_length=500, description="Why it will not take place (kept in the history and the audit)."
    )

    model_config = {"json_schema_extra": {"examples": [{"reason": "因台风预警，活动取消。"}]}}


class RevertRequest(RequestBody):
    version: int = Field(ge=1, le=2_147_483_647, description="The version whose fields become current again.")
    reason: str | None = Field(default=None, max_length=500)

    model_config = {"json_schema_extra": {"examples": [{"version": 2, "reason": "undo the wrong time"}]}}


class FieldChange(BaseModel):
    field: str = Field(description="The field; a category attribute as `attributes.<name>`.")
    old: Any
    new: Any


class VersionEntry(BaseModel):
    version: int
    created_at: ShanghaiTime = Field(description="When it was made.")
    actor_id: int | None = Field(description="Who made it (null for a baseline, or an account since erased).")
    actor_username: str | None
    source: str = Field(description="baseline, manual, import, correction or revert")
    source_ref: int | None = Field(description="The import job, the correction's feedback, or the version reverted to.")
    reason: str | None
    changes: list[FieldChange] = Field(description="Field by field, old → new; empty for a baseline.")


class HistoryPage(BaseModel):
    items: list[VersionEntry]
    next_cursor: str | None = None


def version_entry(entry: Any, usernames: dict[int, str]) -> VersionEntry:
    created_at: datetime = entry.created_at
    return VersionEntry(
        version=entry.version,
        created_at=created_at,
        actor_id=entry.actor_id,
        actor_username=usernames.get(entry.actor_id) if entry.actor_id else None,
        source=entry.source,
        source_ref=entry.source_ref,
        reason=entry.reason,
        changes=[FieldChange(**change) for change in entry.changes],
    )
