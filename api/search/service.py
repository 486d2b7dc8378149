"""One query over places, events, articles and bundles: name matches first, then places, events, articles,
bundles, each in a stable order, one keyset across them all."""

from typing import Any

from sqlalchemy import Integer, String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory import bundles, content, places
from api.directory.queries import after, order_by, publicly_visible
from api.errors import InvalidCursor
from api.http import Language
from api.pagination import decode_cursor, encode_cursor
from api.search.query import content_matching, place_match
from api.search.tokens import parse_query
from models import Article, Bundle, Event, Place

KINDS = ("place", "event", "article", "bundle")


def _matches(plan: Any, dialect: str, kinds: tuple[str, ...]) -> Any:
    selects = []
    if "place" in kinds:
        matches, name_hit = place_match(Place.id, plan, dialect)
        selects.append(
            select(
                name_hit.label("hit"), literal(0).label("kind_rank"), Place.id.label("item_id"),
                cast(literal(""), String).label("item_key"),
            ).where(matches, publicly_visible(Place))
        )
    for rank, (kind, model) in enumerate((("event", Event), ("article", Article)), start=1):
        if kind in kinds:
            found = content_matching(plan, dialect, kind).subquery()
            selects.append(
                select(
                    found.c.hit, literal(rank).label("kind_rank"), model.id.label("item_id"),
                    cast(literal(""), String).label("item_key"),
                )
                .join(model, model.id == cast(found.c.key, Integer))
                .where(publicly_visible(model))
            )
    if "bundle" in kinds:
        found = content_matching(plan, dialect, "bundle").subquery()
        selects.append(
            select(
                found.c.hit, literal(3).label("kind_rank"), literal(0).label("item_id"), Bundle.code.label("item_key")
            )
            .join(Bundle, Bundle.code == found.c.key)
            .where(publicly_visible(Bundle))
        )
    return union_all(*selects).subquery()


async def search_everything(
    session: AsyncSession, language: Language, q: str, kinds: tuple[str, ...], limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    plan = parse_query(q)
    if plan.empty:
        return [], None
    found = _matches(plan, session.get_bind().dialect.name, kinds)
    order = [(found.c.hit, True), (found.c.kind_rank, False), (found.c.item_id, False), (found.c.item_key, False)]
    statement = select(found)
    key = decode_cursor(cursor, "search:" + ",".join(kinds), 4)
    if key is not None:
        if not all(isinstance(part, int) for part in key[:3]) or not isinstance(key[3], str):
            raise InvalidCursor("the cursor could not be read; start again without it")
        statement = statement.where(after(order, key))
    rows = (await session.execute(statement.order_by(*order_by(order)).limit(limit + 1))).all()
    page = rows[:limit]
    items = await _summaries(session, language, page)
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        key = [last.hit, last.kind_rank, last.item_id, last.item_key]
        next_cursor = encode_cursor("search:" + ",".join(kinds), key)
    return items, next_cursor


async def _summaries(session: AsyncSession, language: Language, rows: list[Any]) -> list[dict[str, Any]]:
    by_kind: dict[int, list[Any]] = {0: [], 1: [], 2: [], 3: []}
    for row in rows:
        by_kind[row.kind_rank].append(row.item_key if row.kind_rank == 3 else row.item_id)
    found: dict[tuple[int, Any], Any] = {}
    for place_id, summary in (await places.place_summaries(session, by_kind[0], language)).items():
        found[(0, place_id)] = summary
    for event_id, summary in (await content.event_summaries(session, by_kind[1], language)).items():
        found[(1, event_id)] = summary
    for article_id, summary in (await content.article_summaries(session, by_kind[2], language)).items():
        found[(2, article_id)] = summary
    if by_kind[3]:
        for summary in await bundles.list_bundles(session, language, codes=by_kind[3]):
            found[(3, summary.code)] = summary
    items = []
    for row in rows:
        identity = (row.kind_rank, row.item_key if row.kind_rank == 3 else row.item_id)
        if identity in found:
            items.append({"kind": KINDS[row.kind_rank], **found[identity].model_dump(mode="json", exclude_unset=True)})
    return items
