"""Columns derived from a place on every ORM write (before flush): its opening schedule, accessibility bits and
the pinyin its name sorts by.

Deriving them in one hook means no write path (seed, curation, import) can forget them. The hook is registered by
api.listings.write_hooks.
"""

import hashlib
from typing import Any

import orjson
from sqlalchemy import inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from api.textsearch.tokens import name_sort_key
from models import OpeningSchedule, Place
from models.base import PublishableFields, utcnow

# The order is the bit order of `place.accessibility_mask`; append only.
ACCESSIBILITY_FEATURES = (
    "wheelchair",
    "accessible_toilet",
    "elevator",
    "accessible_parking",
    "hearing_loop",
    "braille",
    "guide_dog",
    "sign_language",
)
_BITS = {feature: 1 << position for position, feature in enumerate(ACCESSIBILITY_FEATURES)}


def accessibility_mask(features: list[str] | tuple[str, ...]) -> int:
    mask = 0
    for feature in features:
        mask |= _BITS.get(feature, 0)
    return mask


def schedule_fingerprint(hours: dict[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(hours, option=orjson.OPT_SORT_KEYS)).hexdigest()


def schedule_id_for(session: Session, hours: dict[str, Any], known: dict[str, int] | None = None) -> int:
    """The id of the schedule row for `hours`, created if new (safe when two writers race). `known`: the ids
    already looked up in this flush (a bulk import writes hundreds of listings with a handful of schedules)."""
    fingerprint = schedule_fingerprint(hours)
    if known is not None and fingerprint in known:
        return known[fingerprint]
    connection = session.connection()
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    connection.execute(
        insert(OpeningSchedule)
        .values(fingerprint=fingerprint, hours=hours)
        .on_conflict_do_nothing(index_elements=["fingerprint"])
    )
    schedule_id = connection.execute(
        select(OpeningSchedule.id).where(OpeningSchedule.fingerprint == fingerprint)
    ).scalar_one()
    if known is not None:
        known[fingerprint] = schedule_id
    return schedule_id


# Written by machines every minute (live figures) or by an operator's confirmation that nothing changed: neither is
# an edit, so neither makes an operator's `If-Match` stale nor starts a version of the listing's history.
NOT_EDITS = frozenset({"available", "available_updated_at", "verified_at", "verified_by"})


def _edited(obj: Any) -> bool:
    state = inspect(obj)
    return any(attribute.key not in NOT_EDITS and attribute.history.has_changes() for attribute in state.attrs)


def derive_columns(session: Session, _context: Any, _instances: Any) -> None:
    """The `before_flush` hook (api.listings.write_hooks)."""
    # Every change to a listing stamps updated_at (sync, sort=updated); an edit also bumps its version (ETag,
    # If-Match, history).
    for obj in session.dirty:
        if isinstance(obj, PublishableFields) and session.is_modified(obj, include_collections=False):
            if _edited(obj):
                obj.version = (obj.version or 0) + 1
            obj.updated_at = utcnow()
    schedules: dict[str, int] = {}
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Place):
            obj.warning_count = len(obj.warnings or [])
            obj.accessibility_mask = accessibility_mask(obj.accessibility or [])
            obj.name_sort = name_sort_key(obj.name or "")
            obj.schedule_id = schedule_id_for(session, obj.opening_hours, schedules) if obj.opening_hours else None
