"""Opaque keyset cursors: the last item's sort key, so pages never repeat or skip rows as the table changes."""

import base64
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.errors import InvalidCursor

LimitParam = Annotated[int, Query(ge=1, le=100, description="Items per page (1–100).")]
CursorParam = Annotated[str | None, Query(max_length=512, description="`next_cursor` of the previous page, unchanged.")]


ItemT = TypeVar("ItemT")

OrderKey = list[tuple[Any, bool]]  # (expression, descending) from the most to the least significant


class Page(BaseModel, Generic[ItemT]):
    items: list[ItemT]
    next_cursor: str | None = None


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = orjson.dumps({"k": kind, "v": key})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# The types a cursor's key parts may have: each list states its own, in order.
KeyPart = type[int] | type[float] | type[str] | type[datetime]

_UNREADABLE = "the cursor could not be read; start again without it"
# Every integer a cursor holds (ids, ranks) is a 32-bit `integer` column on PostgreSQL, which refuses to bind a
# larger number (SQLite would take one).
_INT32 = range(-(2**31), 2**31)


def decode_cursor(
    cursor: str | None, kind: str, shape: tuple[KeyPart, ...], *, unreadable: str = _UNREADABLE
) -> list[Any] | None:
    """The key stored in `cursor`, checked to belong to this list and ordering, each part of the type `shape`
    gives it (times come back as aware datetimes).

    A cursor comes back from the client and may have been edited: anything a page of this list could not have
    written is a 400, never a value the database would refuse."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidCursor(unreadable) from exc
    if not isinstance(data, dict) or data.get("k") != kind:
        raise InvalidCursor("the cursor belongs to another list or ordering")
    key = data.get("v")
    if not isinstance(key, list) or len(key) != len(shape):
        raise InvalidCursor(unreadable)
    try:
        return [_key_part(part, expected) for part, expected in zip(key, shape, strict=True)]
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidCursor(unreadable) from exc


def _key_part(value: Any, expected: KeyPart) -> Any:
    if isinstance(value, bool):
        raise TypeError("not a key part")
    if expected is int:
        if not isinstance(value, int) or value not in _INT32:
            raise TypeError("not a 32-bit integer")
        return value
    if expected is float:
        if not isinstance(value, int | float):
            raise TypeError("not a number")
        return float(value)
    if not isinstance(value, str) or "\x00" in value:
        # PostgreSQL's text holds no NUL character.
        raise TypeError("not text")
    if expected is str:
        return value
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time without its offset")
    moment.astimezone(UTC)  # OverflowError when it lies outside the years 1–9999 in UTC
    return moment


def page_in_memory(items: list[ItemT], key: Any, *, kind: str, limit: int, cursor: str | None) -> Page[ItemT]:
    """Keyset paging over a short list already in memory, ordered by its text attribute `key` (a code)."""
    after = decode_cursor(cursor, kind, (str,))
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
    key = decode_cursor(cursor, kind, (int,))
    if key is not None:
        statement = statement.where(id_column < key[0] if newest_first else id_column > key[0])
    ordering = id_column.desc() if newest_first else id_column.asc()
    rows = list((await session.execute(statement.order_by(ordering).limit(limit + 1))).scalars())
    next_cursor = encode_cursor(kind, [rows[limit - 1].id]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def after(order: OrderKey, key: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `key` in `order` (each part ascending or descending on its own)."""
    conditions = []
    for depth, (expression, descending) in enumerate(order):
        equal_before = [order[i][0] == key[i] for i in range(depth)]
        beyond = expression < key[depth] if descending else expression > key[depth]
        conditions.append(and_(*equal_before, beyond))
    return or_(*conditions)


def order_by(order: OrderKey) -> list[Any]:
    return [expression.desc() if descending else expression.asc() for expression, descending in order]


def after_key(columns: list[InstrumentedAttribute], key: list[Any], *, descending: bool = False) -> ColumnElement[bool]:
    return after([(column, descending) for column in columns], key)


def next_cursor(rows: Sequence[ItemT], limit: int, kind: str, key: Callable[[ItemT], list[Any]]) -> str | None:
    """The cursor after a page of `rows`, read one more than `limit` to learn whether more follow: None when
    nothing does. `key`: the sort key of a row, as `decode_cursor` will read it back."""
    return encode_cursor(kind, key(rows[limit - 1])) if len(rows) > limit else None
