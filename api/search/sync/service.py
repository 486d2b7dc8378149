"""Offline caches: everything changed since a token, with tombstones for what was deleted or unpublished.

Changes are read in (updated_at, kind, id) order, and only up to a few seconds ago: a transaction that
started earlier may still commit rows stamped before that moment, and they must not fall behind the token.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, case, cast, literal, select, union_all

from api.db import PublicRead
from api.directory import service as mixed
from api.directory.service import KINDS, Ref
from api.pagination import keyset_page
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


def _ref(row: Any) -> Ref:
    kind = KINDS[row.kind_rank]
    return (kind, row.item_key if kind == "bundle" else row.item_id)


async def changes_since(public: PublicRead, since: str | None, limit: int) -> dict[str, Any]:
    async with public.session() as session:
        changes, order = _changes(session.get_bind().dialect.name)
        statement = select(changes).where(changes.c.updated_at <= datetime.now(UTC) - SETTLE)
        if since is None:
            # A first sync needs no tombstones; later ones continue strictly after the token.
            statement = statement.where(changes.c.visible == 1)
        page = await keyset_page(
            session,
            statement,
            order,
            kind="sync",
            shape=(datetime, int, int, str),
            limit=limit,
            cursor=since,
            key=lambda row: [row.updated_at.isoformat(), row.kind_rank, row.item_id, row.item_key],
            unreadable="the sync token could not be read; sync again from the start",
        )
        found = await mixed.summaries(session, public.language, [_ref(row) for row in page.rows if row.visible])
    changed, deleted = [], []
    for row in page.rows:
        ref = _ref(row)
        if ref in found:
            changed.append(mixed.tagged(ref[0], found[ref]))
        else:
            deleted.append({"kind": ref[0], "id": ref[1]})
    next_since = page.resume_cursor(start=[datetime(2000, 1, 1, tzinfo=UTC).isoformat(), 0, 0, ""])
    return {"changed": changed, "deleted": deleted, "next_since": next_since, "has_more": page.more}
