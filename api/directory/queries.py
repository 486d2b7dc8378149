"""Query pieces shared by the directory's lists: visibility, category subtrees, keyset pages."""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from api.directory.hours import SHANGHAI


def publicly_visible(model: Any) -> ColumnElement[bool]:
    return and_(model.status == "published", model.deleted_at.is_(None))


def in_category(column: InstrumentedAttribute, code: str) -> ColumnElement[bool]:
    """The category itself and every category below it in the tree."""
    return or_(column == code, column.startswith(code + ".", autoescape=True))


def after_key(
    columns: list[InstrumentedAttribute], key: list[Any], *, descending: bool = False
) -> ColumnElement[bool]:
    """Rows strictly after `key` in the order of `columns` (all ascending or all descending)."""
    conditions = []
    for depth, column in enumerate(columns):
        equal_before = [columns[i] == key[i] for i in range(depth)]
        beyond = column < key[depth] if descending else column > key[depth]
        conditions.append(and_(*equal_before, beyond))
    return or_(*conditions)


def to_local(moment: datetime | None) -> datetime | None:
    """Times go out in Shanghai time with their offset, as residents read them."""
    return moment.astimezone(SHANGHAI) if moment is not None else None
