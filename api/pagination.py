"""Opaque keyset cursors: the last item's sort key, so pages never repeat or skip rows as the table changes."""

import base64
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import InvalidCursor

LimitParam = Annotated[int, Query(ge=1, le=100, description="Items per page (1–100).")]
CursorParam = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page, unchanged.")]


ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = None


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = orjson.dumps({"k": kind, "v": key})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, kind: str, arity: int) -> list[Any] | None:
    """The key stored in `cursor`, checked to belong to this list and ordering."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor("the cursor could not be read; start again without it") from exc
    if not isinstance(data, dict) or data.get("k") != kind:
        raise InvalidCursor("the cursor belongs to another list or ordering")
    key = data.get("v")
    if not isinstance(key, list) or len(key) != arity:
        raise InvalidCursor("the cursor could not be read; start again without it")
    if not all(isinstance(part, str | int | float) and not isinstance(part, bool) for part in key):
        raise InvalidCursor("the cursor could not be read; start again without it")
    return key


def page_in_memory(items: list[ItemT], key: Any, *, kind: str, limit: int, cursor: str | None) -> Page[ItemT]:
    """Keyset paging over a short list already in memory, ordered by the attribute `key`."""
    after = decode_cursor(cursor, kind, 1)
    ordered = sorted(items, key=lambda item: getattr(item, key))
    remaining = [item for item in ordered if after is None or getattr(item, key) > after[0]]
    page = remaining[:limit]
    next_cursor = encode_cursor(kind, [getattr(page[-1], key)]) if len(remaining) > limit else None
    return Page[ItemT](items=page, next_cursor=next_cursor)


async def rows_by_id(
    session: AsyncSession,
    statement: Select,
    id_column: Any,
    *,
    kind: str,
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """One keyset page of an ORM select ordered by its integer id (ascending, or descending when newest first)."""
    key = decode_cursor(cursor, kind, 1)
    if key is not None:
        if not isinstance(key[0], int):
            raise InvalidCursor("the cursor could not be read; start again without it")
        statement = statement.where(id_column < key[0] if newest_first else id_column > key[0])
    ordering = id_column.desc() if newest_first else id_column.asc()
    rows = list((await session.execute(statement.order_by(ordering).limit(limit + 1))).scalars())
    next_cursor = encode_cursor(kind, [rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor
