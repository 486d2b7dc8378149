"""The offline sync route (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.db import PublicReadDep
from api.search.sync import service
from api.search.sync.schemas import SyncAnswer

router = APIRouter(prefix="/v1", tags=["directory"])


@router.get("/sync", response_model=SyncAnswer, description=service.DESCRIPTION)
async def sync_changes(
    public: PublicReadDep,
    since: Annotated[str | None, Query(max_length=512, description="`next_since` of the last sync.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> dict:
    return await service.changes_since(public, since, limit)
