"""The index strategy: words ranked by relevance, narrowed at most by district and category, read from the search
index alone (api.directory.places.plan.index_plan); `place` is read for the page's rows only.

The first page is the commonest search of all, so its statement is built once per database and field: only its
parameters change. Later pages run the index plan through the general strategy's page reader.
"""

import functools

from sqlalchemy import select

from api.directory.places.plan import index_plan
from api.directory.places.query import PlaceQuery
from api.directory.places.strategies.base import PageStrategy, PlaceSearch, results_of
from api.directory.places.strategies.general import page_rows
from api.directory.places.views import SUMMARY_COLUMNS, PlaceResults
from api.prepared import PreparedRead
from api.textsearch.query import indexed_first_page
from api.textsearch.tokens import QueryPlan
from models import Place


@functools.cache
def first_page_read(dialect: str, *, in_district: bool) -> PreparedRead:
    page = indexed_first_page(dialect, in_district).subquery("page")
    statement = (
        select(*SUMMARY_COLUMNS, *page.c)
        .join(page, page.c.page_id == Place.id)
        .order_by(page.c.order_0.desc(), page.c.order_1.asc())
    )
    return PreparedRead(statement)


class WordsFromTheIndex(PageStrategy):
    name = "index"
    serves = frozenset({"q", "category", "district", "cursor"})
    sorts = frozenset({"relevance"})
    needs = frozenset({"q"})

    def fits(self, query: PlaceQuery, text_plan: QueryPlan | None) -> bool:
        return text_plan is not None and not text_plan.empty

    async def page(self, search: PlaceSearch, query: PlaceQuery, text_plan: QueryPlan | None) -> PlaceResults:
        assert text_plan is not None
        plan = index_plan(query, search.dialect, text_plan)
        key = plan.decode(query.cursor)
        if key is None:
            read = first_page_read(search.dialect, in_district=bool(query.district))
            rows = await read.all(search.reader, **(plan.parameters or {}), page_limit=query.limit + 1)
        else:
            rows = await page_rows(search, plan, key, query.limit)
        return await results_of(search, query, rows, plan.cursor_kind(), keys=len(plan.order))
