"""The offline sync's answer: changed listings and tombstones."""

from typing import Any

from pydantic import BaseModel, Field


class Tombstone(BaseModel):
    kind: str
    id: int | str


class SyncAnswer(BaseModel):
    changed: list[dict[str, Any]] = Field(description="summaries of changed listings, each with `kind`")
    deleted: list[Tombstone]
    next_since: str
    has_more: bool
