"""What every page strategy is: the filters and orders it serves, and how it answers a page.

A strategy answers a request only when it serves every filter the request uses (`PlaceQuery.used_filters`) and
its order; the chooser (api.directory.places.chooser) takes the first such strategy, and the general one serves
everything. A strategy that cannot apply a filter therefore never sees a request that asks for it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.places import views
from api.directory.places.query import PlaceQuery, page_key
from api.directory.places.views import PlaceResults
from api.http import Language
from api.pagination import next_cursor
from api.prepared import Reader, request_reader
from api.textsearch.tokens import QueryPlan


@dataclass(frozen=True)
class PlaceSearch:
    """One request's ways to the database: the read pool for prepared reads, and a read session (connected only
    if a statement runs on it) for the statements built per query."""

    session: AsyncSession
    pool: Reader
    language: Language

    @property
    def reader(self) -> Reader:
        """The session's own connection once it holds one, else the pool: a request never holds two connections,
        so the pools' sizes bound the connections a worker opens."""
        return request_reader(self.session, self.pool)

    @property
    def dialect(self) -> str:
        return self.pool.dialect.name


class PageStrategy:
    """A way to answer a page of a place search. Subclasses declare what they serve and implement `page`."""

    name: ClassVar[str]
    serves: ClassVar[frozenset[str]]  # the filters (PlaceQuery.used_filters) it applies, all of them
    sorts: ClassVar[frozenset[str]]  # the orders (PlaceQuery.effective_sort) it gives
    needs: ClassVar[frozenset[str]] = frozenset()  # filters it cannot do without

    def answers(self, query: PlaceQuery, text_plan: QueryPlan | None) -> bool:
        used = query.used_filters
        return self.needs <= used <= self.serves and query.effective_sort in self.sorts and self.fits(query, text_plan)

    def fits(self, query: PlaceQuery, text_plan: QueryPlan | None) -> bool:
        """What besides its filters and order decides whether it can answer (the size of the map's circle)."""
        return True

    async def page(self, search: PlaceSearch, query: PlaceQuery, text_plan: QueryPlan | None) -> PlaceResults:
        raise NotImplementedError


async def results_of(
    search: PlaceSearch, query: PlaceQuery, rows: Sequence[Any], kind: str, *, keys: int
) -> PlaceResults:
    """The page's summaries and the cursor after its last row (`rows` holds one more than a page when there is
    more; each row carries its order_0 … order_n keys)."""
    items = await views.summaries(search.reader, search.language, query, rows[: query.limit])
    return PlaceResults(items, next_cursor(rows, query.limit, kind, lambda row: page_key(row, keys)))
