"""A place search as validated from the request: its filters, its order, its page and its cursor.

`used_filters` names the filters a request asks for. It is derived from the fields themselves: a field added
here is a filter every page strategy must declare it serves (api.directory.places.strategies), so no fast path
can silently ignore a new filter.
"""

from dataclasses import dataclass, fields
from datetime import datetime
from functools import cached_property
from typing import Any, Literal

from api.geo import CoordSystem

PlaceSort = Literal["relevance", "distance", "name", "updated"]
FacetName = Literal["category", "district"]


@dataclass(frozen=True)
class PlaceQuery:
    q: str | None = None
    category: str | None = None
    district: str | None = None
    street: str | None = None
    near: tuple[float, float] | None = None  # WGS-84
    radius_m: int = 3000
    open_now: bool = False
    accessibility: tuple[str, ...] = ()
    available: bool = False
    exclude_id: int | None = None
    facets: tuple[FacetName, ...] = ()
    cursor: str | None = None
    # How the answer is ordered and shown, not which places it holds.
    sort: PlaceSort | None = None
    limit: int = 20
    coord: CoordSystem = "wgs84"

    @property
    def effective_sort(self) -> str:
        if self.sort:
            return self.sort
        if self.q:
            return "relevance"
        return "distance" if self.near else "id"

    @cached_property
    def used_filters(self) -> frozenset[str]:
        """The fields this request sets away from their defaults, but for those that only order or show the
        answer: what a page strategy must serve. The cursor and the facets count too: a strategy that cannot go on
        from a cursor or count facets does not serve a request that asks for them."""
        return frozenset(name for name, default in _filter_defaults(type(self)) if getattr(self, name) != default)


# `radius_m` goes with `near` (a strategy serving `near` serves its radius); the rest order or show the answer.
_NOT_FILTERS = frozenset({"radius_m", "sort", "limit", "coord"})


def _filter_defaults(query_type: type[PlaceQuery]) -> tuple[tuple[str, Any], ...]:
    """(name, default) of every filter field, read from the class itself: a field added to PlaceQuery, or to a
    subclass, is a filter without further ado."""
    known = _FILTER_DEFAULTS.get(query_type)
    if known is None:
        known = _FILTER_DEFAULTS[query_type] = tuple(
            (field.name, field.default) for field in fields(query_type) if field.name not in _NOT_FILTERS
        )
    return known


_FILTER_DEFAULTS: dict[type, tuple[tuple[str, Any], ...]] = {}
FILTERS = tuple(name for name, _ in _filter_defaults(PlaceQuery))


def cursor_kind(sort: str, keys: int) -> str:
    """What a page's cursor is marked with: the order it continues, so that it is refused by any other."""
    return f"places:{sort}:{keys}"


def page_key(row: Any, keys: int) -> list[Any]:
    """The cursor key of a page row, from its selected order_0 … order_n labels."""
    values = [getattr(row, f"order_{i}") for i in range(keys)]
    return [value.isoformat() if isinstance(value, datetime) else value for value in values]
