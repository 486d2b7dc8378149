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
    return Page[ItemT](
        items=remaining[:limit], next_cursor=next_cursor(remaining, limit, kind, lambda item: [getattr(item, key)])
    )


RowT = TypeVar("RowT")


class KeysetPage(Generic[RowT]):
    """One page of a keyset list: `rows` (at most the limit), `more` (whether rows follow), `next_cursor`."""

    def __init__(
        self, fetched: list[RowT], limit: int, kind: str, key: Callable[[RowT], list[Any]], cursor: str | None
    ) -> None:
        self.rows = fetched[:limit]
        self.more = len(fetched) > limit
        self.next_cursor = next_cursor(fetched, limit, kind, key)
        self._kind, self._key, self._cursor = kind, key, cursor

    def resume_cursor(self, start: list[Any]) -> str:
        """Where to carry on later even when nothing follows yet (a sync token): after this page's last row, else
        where this page was read from, else `start`: a key before the list's first row."""
        if self.rows:
            return encode_cursor(self._kind, self._key(self.rows[-1]))
        return self._cursor or encode_cursor(self._kind, start)


async def keyset_rows(
    session: AsyncSession, statement: Select, order: OrderKey, key: list[Any] | None, fetch: int, *, scalars: bool
) -> list[Any]:
    """Up to `fetch` rows of `statement` strictly after `key` (None: from the first) in `order`."""
    if key is not None:
        statement = statement.where(after(order, key))
    result = await session.execute(statement.order_by(*order_by(order)).limit(fetch))
    return list(result.scalars() if scalars else result.all())


async def keyset_page(
    session: AsyncSession,
    statement: Select,
    order: OrderKey,
    *,
    kind: str,
    shape: tuple[KeyPart, ...],
    limit: int,
    cursor: str | None,
    key: Callable[[Any], list[Any]],
    scalars: bool = False,
    unreadable: str = _UNREADABLE,
) -> KeysetPage[Any]:
    """One page of `statement` in `order`, after the row `cursor` names.

    `kind` names the list and its ordering, `shape` the types of the key's parts (see `decode_cursor`); `key`
    gives a row's key as the cursor holds it (times as ISO text), in the parts and order of `order`. `scalars`:
    the rows are the statement's first entity rather than Core rows."""
    position = decode_cursor(cursor, kind, shape, unreadable=unreadable)
    fetched = await keyset_rows(session, statement, order, position, limit + 1, scalars=scalars)
    return KeysetPage(fetched, limit, kind, key, cursor)


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
    page = await keyset_page(
        session,
        statement,
        [(id_column, newest_first)],
        kind=kind,
        shape=(int,),
        limit=limit,
        cursor=cursor,
        key=lambda row: [row.id],
        scalars=True,
    )
    return page.rows, page.next_cursor


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


def next_cursor(rows: Sequence[ItemT], limit: int, kind: str, key: Callable[[ItemT], list[Any]]) -> str | None:
    """The cursor after a page of `rows`, read one more than `limit` to learn whether more follow: None when
    nothing does. `key`: the sort key of a row, as `decode_cursor` will read it back."""
    return encode_cursor(kind, key(rows[limit - 1])) if len(rows) > limit else None
