"""One query over places, events, articles and bundles: name matches first, then places, events, articles,
bundles, each in a stable order, one keyset across them all."""

from typing import Any

from sqlalchemy import Integer, String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory import mixed
from api.directory.mixed import KINDS, Ref
from api.directory.queries import after, order_by, publicly_visible
from api.http import Language
from api.pagination import decode_cursor, encode_cursor
from api.search.query import best_plan, content_matching, place_match
from models import Article, Bundle, Event, Place


def _matches(plan: Any, dialect: str, kinds: tuple[str, ...]) -> Any:
    selects = []
    if "place" in kinds:
        match = place_match(Place.id, plan, dialect)
        places = select(
            match.name_hit.label("hit"),
            literal(0).label("kind_rank"),
            Place.id.label("item_id"),
            cast(literal(""), String).label("item_key"),
        ).select_from(Place)
        if match.join is not None:
            places = places.join(*match.join)
        selects.append(places.where(match.condition, publicly_visible(Place)))
    for rank, (kind, model) in enumerate((("event", Event), ("article", Article)), start=1):
        if kind in kinds:
            found = content_matching(plan, dialect, kind).subquery()
            selects.append(
                select(
                    found.c.hit,
                    literal(rank).label("kind_rank"),
                    model.id.label("item_id"),
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
    plan = await best_plan(session, q, kinds=KINDS)
    if plan.empty:
        return [], None
    found = _matches(plan, session.get_bind().dialect.name, kinds)
    order = [(found.c.hit, True), (found.c.kind_rank, False), (found.c.item_id, False), (found.c.item_key, False)]
    statement = select(found)
    key = decode_cursor(cursor, "search:" + ",".join(kinds), (int, int, int, str))
    if key is not None:
        statement = statement.where(after(order, key))
    rows = (await session.execute(statement.order_by(*order_by(order)).limit(limit + 1))).all()
    page = rows[:limit]
    found = await mixed.summaries(session, language, [_ref(row) for row in page])
    items = [mixed.tagged(ref[0], found[ref]) for ref in map(_ref, page) if ref in found]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        key = [last.hit, last.kind_rank, last.item_id, last.item_key]
        next_cursor = encode_cursor("search:" + ",".join(kinds), key)
    return items, next_cursor


def _ref(row: Any) -> Ref:
    kind = KINDS[row.kind_rank]
    return (kind, row.item_key if kind == "bundle" else row.item_id)
