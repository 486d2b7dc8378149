"""What residents may see of any kind of listing, and category subtrees: conditions every domain uses alike."""

from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, or_
from sqlalchemy.orm import InstrumentedAttribute

# Written into the SQL, not bound: the partial indexes of visible listings (`WHERE status = 'published' AND
# deleted_at IS NULL`) serve only statements whose condition implies theirs, and a parameter implies nothing. A
# prepared read runs on PostgreSQL's generic plan after five executions, and with `status = $1` there the map's
# nearest-first read walked the plain (lat, lng) index and each row's heap tuple, several times slower
# (bench/README.md).
_PUBLISHED = literal_column("'published'")
_CANCELLED = literal_column("'cancelled'")


def publicly_visible(model: Any) -> ColumnElement[bool]:
    return and_(model.status == _PUBLISHED, model.deleted_at.is_(None))


def publicly_readable(model: Any) -> ColumnElement[bool]:
    """What a resident may still open by its id and what /v1/sync sends as a change: the visible listings, and
    cancelled events (so that residents who saved one learn that it is off). Lists and search offer only the
    visible ones."""
    if model.__tablename__ != "event":
        return publicly_visible(model)
    return and_(or_(model.status == _PUBLISHED, model.status == _CANCELLED), model.deleted_at.is_(None))


def in_category(column: InstrumentedAttribute, code: str) -> ColumnElement[bool]:
    """The category itself and every category below it in the tree."""
    return or_(column == code, column.startswith(code + ".", autoescape=True))
