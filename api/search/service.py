"""One query over places, events, articles and bundles, the kinds taken in turn.

Each kind is a list of its own (name matches first, then by id, bundles by code); a page takes the next item of
each kind in turn (place, event, article, bundle, place, …), passing over the kinds that have run out. The first
page therefore shows the best of every kind that matches, however many places match. The cursor keeps the last
key shown of each kind, so every kind is paged by its own keyset: no item is repeated or skipped, even while the
listings change between pages."""

from typing import Any

from sqlalchemy import Integer, String, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from api.db import PublicRead
from api.directory import service as mixed
from api.directory.service import KINDS, Ref
from api.pagination import KeyPart, OrderKey, decode_cursor, encode_cursor, keyset_rows
from api.textsearch.query import best_plan, content_matching, place_match
from api.textsearch.tokens import QueryPlan
from api.visibility import publicly_visible
from models import Article, Bundle, Event, Place

# A kind's key before its first item: name hits are 1 or 0, so every item comes after a hit of 2.
_BEFORE_ALL = [2, 0, ""]
_KEY_SHAPE: tuple[KeyPart, ...] = (int, int, str)


def _matches(plan: QueryPlan, dialect: str, kind: str) -> Select:
    """The visible items of `kind` matching the plan: (hit, item_id, item_key); bundles are known by their key."""
    if kind == "place":
        match = place_match(Place.id, plan, dialect)
        places = select(
            match.name_hit.label("hit"), Place.id.label("item_id"), cast(literal(""), String).label("item_key")
        ).select_from(Place)
        if match.join is not None:
            places = places.join(*match.join)
        return places.where(match.condition, publicly_visible(Place))
    found = content_matching(plan, dialect, kind).subquery()
    if kind == "bundle":
        return (
            select(found.c.hit, literal(0).label("item_id"), Bundle.code.label("item_key"))
            .join(Bundle, Bundle.code == found.c.key)
            .where(publicly_visible(Bundle))
        )
    model = Event if kind == "event" else Article
    return (
        select(found.c.hit, model.id.label("item_id"), cast(literal(""), String).label("item_key"))
        .join(model, model.id == cast(found.c.key, Integer))
        .where(publicly_visible(model))
    )


async def _next_of_kind(session: AsyncSession, plan: QueryPlan, kind: str, key: list[Any], fetch: int) -> list[Any]:
    """Up to `fetch` items of `kind` after `key`, in the kind's own order."""
    found = _matches(plan, session.get_bind().dialect.name, kind).subquery()
    order: OrderKey = [(found.c.hit, True), (found.c.item_id, False), (found.c.item_key, False)]
    return await keyset_rows(session, select(found), order, key, fetch, scalars=False)


def _in_turn(queues: dict[str, list[Any]], limit: int) -> list[tuple[str, Any]]:
    """One item of each kind in turn, kinds that have run out passed over, until the page is full."""
    page: list[tuple[str, Any]] = []
    depth = 0
    while len(page) < limit and any(depth < len(rows) for rows in queues.values()):
        page += [(kind, rows[depth]) for kind, rows in queues.items() if depth < len(rows)][: limit - len(page)]
        depth += 1
    return page


async def search_everything(
    public: PublicRead, q: str, kinds: tuple[str, ...], limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    plan = await best_plan(public.reader, q, kinds=KINDS)
    if plan.empty:
        return [], None
    # The cursor holds one key per kind, each kind a keyset list of its own, so it is read and written here
    # rather than by `keyset_page`, which pages one statement.
    cursor_kind = "search:" + ",".join(kinds)
    flat = decode_cursor(cursor, cursor_kind, _KEY_SHAPE * len(kinds)) or _BEFORE_ALL * len(kinds)
    keys = {kind: flat[3 * i : 3 * i + 3] for i, kind in enumerate(kinds)}
    async with public.session() as session:
        # One more than a page of each kind: a page may be one kind alone, and the extra row tells whether more
        # follow.
        queues = {kind: await _next_of_kind(session, plan, kind, keys[kind], limit + 1) for kind in kinds}
        page = _in_turn(queues, limit)
        refs = [_ref(kind, row) for kind, row in page]
        found = await mixed.summaries(session, public.language, refs)
    for kind, row in page:
        keys[kind] = [row.hit, row.item_id, row.item_key]
    shown = {kind: sum(1 for taken, _ in page if taken == kind) for kind in kinds}
    more = any(len(queues[kind]) > shown[kind] for kind in kinds)
    items = [mixed.tagged(ref[0], found[ref]) for ref in refs if ref in found]
    next_cursor = encode_cursor(cursor_kind, [part for kind in kinds for part in keys[kind]]) if more else None
    return items, next_cursor


def _ref(kind: str, row: Any) -> Ref:
    return (kind, row.item_key if kind == "bundle" else row.item_id)
