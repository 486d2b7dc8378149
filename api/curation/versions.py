"""Every version of a listing (place, event, article, bundle): what it was after each change, the change field by
field, who made it, why, and where it came from (by hand, an import, a resident's correction, a revert).

A listing's history begins with a `baseline` version, written the first time it changes, that holds what it was
before (as seeded, or as it stood before history was kept): every later version has something to be compared with
and reverted to. A listing created through curation starts with its first version instead.
"""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.errors import NotFound
from api.pagination import rows_by_id
from models import ListingVersion


def field_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields whose value differs, in the order of `after`, each as {field, old, new}. Category attributes are
    compared key by key (`attributes.price_yuan`): an operator reads which attribute changed, not the whole set."""
    before = before or {}
    changes: list[dict[str, Any]] = []
    for field, new in after.items():
        old = before.get(field)
        if field == "attributes" and isinstance(old, dict | None) and isinstance(new, dict):
            old = old or {}
            for key in sorted(old.keys() | new.keys()):
                if old.get(key) != new.get(key):
                    changes.append({"field": f"attributes.{key}", "old": old.get(key), "new": new.get(key)})
        elif old != new:
            changes.append({"field": field, "old": old, "new": new})
    return changes


async def _has_history(session: AsyncSession, kind: str, key: str) -> bool:
    count = await session.scalar(
        select(func.count())
        .select_from(ListingVersion)
        .where(ListingVersion.object_type == kind, ListingVersion.object_key == key)
    )
    return bool(count)


async def record(
    session: AsyncSession,
    *,
    kind: str,
    key: object,
    before: dict[str, Any] | None,
    before_version: int | None,
    after: dict[str, Any],
    version: int,
    source: str,
    actor_id: int | None,
    source_ref: int | None = None,
    reason: str | None = None,
) -> ListingVersion:
    """Write the version `version` of a listing (`before` is None for one just created). Call it after the flush
    that gave the listing its new version number."""
    object_key = str(key)
    if before is not None and before_version is not None and not await _has_history(session, kind, object_key):
        session.add(
            ListingVersion(
                object_type=kind,
                object_key=object_key,
                version=before_version,
                snapshot=before,
                changes=[],
                source="baseline",
            )
        )
    entry = ListingVersion(
        object_type=kind,
        object_key=object_key,
        version=version,
        snapshot=after,
        changes=field_changes(before, after),
        source=source,
        source_ref=source_ref,
        reason=reason,
        actor_id=actor_id,
    )
    session.add(entry)
    await session.flush()
    return entry


async def record_write(
    session: AsyncSession,
    *,
    kind: str,
    key: object,
    action: str,
    before: dict[str, Any] | None,
    before_version: int | None,
    after: dict[str, Any],
    version: int,
    actor_id: int | None,
    source: str = "manual",
    source_ref: int | None = None,
    reason: str | None = None,
) -> ListingVersion:
    """A staff write of a listing, kept twice: as its new version, and in the audit trail as `<kind>.<action>`."""
    entry = await record(
        session,
        kind=kind,
        key=key,
        before=before,
        before_version=before_version,
        after=after,
        version=version,
        source=source,
        source_ref=source_ref,
        reason=reason,
        actor_id=actor_id,
    )
    audit.record(
        session,
        actor_id=actor_id,
        action=f"{kind}.{action}",
        object_type=kind,
        object_id=key,
        details={"version": version, "source": source, "source_ref": source_ref},
        reason=reason,
    )
    return entry


async def history(
    session: AsyncSession, *, kind: str, key: object, limit: int, cursor: str | None
) -> tuple[list[ListingVersion], str | None]:
    """The listing's versions, newest first, in keyset pages."""
    statement = select(ListingVersion).where(ListingVersion.object_type == kind, ListingVersion.object_key == str(key))
    return await rows_by_id(
        session, statement, ListingVersion.id, kind=f"history:{kind}", limit=limit, cursor=cursor, newest_first=True
    )


async def snapshot_at(session: AsyncSession, *, kind: str, key: object, version: int) -> dict[str, Any]:
    """What the listing was after version `version`; 404 when no such version was kept."""
    snapshot = await session.scalar(
        select(ListingVersion.snapshot).where(
            ListingVersion.object_type == kind,
            ListingVersion.object_key == str(key),
            ListingVersion.version == version,
        )
    )
    if snapshot is None:
        raise NotFound(f"there is no version {version} of this {kind} in its history")
    return snapshot
