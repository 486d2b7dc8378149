"""Writing the audit trail. Entries are only ever added: no route changes or removes one."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.pagination import rows_by_id
from models import AuditEntry


def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: object,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=details or {},
        reason=reason,
    )
    session.add(entry)
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    object_type: str | None,
    object_id: str | None,
    actor_id: int | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[AuditEntry], str | None]:
    """Newest first, in keyset pages."""
    statement = select(AuditEntry)
    if object_type:
        statement = statement.where(AuditEntry.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEntry.object_id == object_id)
    if actor_id:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    return await rows_by_id(
        session, statement, AuditEntry.id, kind="audit", limit=limit, cursor=cursor, newest_first=True
    )
