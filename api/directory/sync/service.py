"""Offline caches: everything changed since a token, with tombstones for what was deleted or unpublished.

Changes are read in (updated_at, kind, id) order, and only up to a few seconds ago: a transaction that
started earlier may still commit rows stamped before that moment, and they must not fall behind the token.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, case, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory import service as mixed
from api.directory.service import KINDS, Ref
from api.http import Language
from api.pagination import after, decode_cursor, encode_cursor, order_by
from api.visibility import publicly_readable
from models import Article, Bundle, Event, Place

SETTLE = timedelta(seconds=2)

DESCRIPTION = f"""\
Listings changed since the token (summaries tagged with `kind`) and tombstones; repeat while `has_more`.

A change is withheld for its first {SETTLE.seconds} seconds: it appears in the sync once it is {SETTLE.seconds} seconds
old, not at once. A change is stamped (`updated_at`) when it is written, but seen only when its transaction commits,
so a transaction still running may commit a change stamped earlier than one already handed out. Reading only
changes old enough for their transactions to have committed keeps such a change from falling behind the
`next_since` a phone already holds, where no later sync would ever find it (writes here take far less than that).
"""


def _changes(dialect: str) -> Any:
    selects = []
    for rank, model in enumerate((Place, Event, Article)):
        selects.append(
            select(
                model.updated_at.label("updated_at"),
                literal(rank).label("kind_rank"),
                model.id.label("item_id"),
                cast(literal(""), String).label("item_key"),
                case((publicly_readable(model), 1), else_=0).label("visible"),
            )
        )
    selects.append(
        select(
            Bundle.updated_at.label("updated_at"),
            literal(3).label("kind_rank"),
            cast(literal(0), Integer).label("item_id"),
            Bundle.code.label("item_key"),
            case((publicly_readable(Bundle), 1), else_=0).label("visible"),
        )
    )
    changes = union_all(*selects).subquery()
    item_key = changes.c.item_key.collate("C") if dialect == "postgresql" else changes.c.item_key
    return changes, [
        (changes.c.updated_at, False),
        (changes.c.kind_rank, False),
        (changes.c.item_id, False),
        (item_key, False),
    ]


def _decode_since(since: str | None) -> list[Any] | None:
    unreadable = "the sync token could not be read; sync again from the start"
    return decode_cursor(since, "sync", (datetime, int, int, str), unreadable=unreadable)


def _ref(row: Any) -> Ref:
    kind = KINDS[row.kind_rank]
    return (kind, row.item_key if kind == "bundle" else row.item_id)


async def changes_since(session: AsyncSession, language: Language, since: str | None, limit: int) -> dict[str, Any]:
    changes, order = _changes(session.get_bind().dialect.name)
    statement = select(changes).where(changes.c.updated_at <= datetime.now(UTC) - SETTLE)
    key = _decode_since(since)
    # A first sync needs no tombstones; later ones continue strictly after the token.
    statement = statement.where(changes.c.visible == 1 if key is None else after(order, key))
    rows = (await session.execute(statement.order_by(*order_by(order)).limit(limit + 1))).all()
    page = rows[:limit]
    found = await mixed.summaries(session, language, [_ref(row) for row in page if row.visible])
    changed, deleted = [], []
    for row in page:
        ref = _ref(row)
        if ref in found:
            changed.append(mixed.tagged(ref[0], found[ref]))
        else:
            deleted.append({"kind": ref[0], "id": ref[1]})
    if page:
        last = page[-1]
        next_since = encode_cursor("sync", [last.updated_at.isoformat(), last.kind_rank, last.item_id, last.item_key])
    else:
        next_since = since or encode_cursor("sync", [datetime(2000, 1, 1, tzinfo=UTC).isoformat(), 0, 0, ""])
    return {"changed": changed, "deleted": deleted, "next_since": next_since, "has_more": len(rows) > limit}
