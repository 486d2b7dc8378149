"""The general strategy: every filter and every order, in SQL built per query from the general plan
(api.directory.places.plan). Every other strategy must answer exactly as this one does.

Also here: the first page by distance in growing circles, the same SQL on smaller radii first.
"""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select

from api.directory.catalogue.names import reference_names
from api.directory.places.facets import FacetCounts, facet_counts
from api.directory.places.open_now import open_schedules
from api.directory.places.plan import PlacePlan, general_plan
from api.directory.places.query import FILTERS, PlaceQuery
from api.directory.places.strategies.base import PageStrategy, PlaceSearch, results_of
from api.directory.places.views import SUMMARY_COLUMNS, PlaceResults
from api.pagination import after, order_by
from api.textsearch.tokens import QueryPlan
from models import Place

# Circles tried before the whole radius, as fractions of it: in the dense centre a 3 km circle holds thousands of
# listings, and ranking them all to show the nearest page is most of the work.
NEAREST_FIRST_FRACTIONS = (0.125, 0.35)


def circle_radii(radius_m: int) -> list[int]:
    """The radii to try, smallest first, ending with the whole radius: every match in a smaller circle is nearer
    than any outside it, so the first circle holding more than a page gives the same page and cursor keys."""
    return [*(max(1, int(radius_m * fraction)) for fraction in NEAREST_FIRST_FRACTIONS), radius_m]


async def open_ids_for(search: PlaceSearch, query: PlaceQuery) -> frozenset[int]:
    """The schedules open this minute when the query asks for places open now, learnt afresh: as an SQL filter,
    "open now" needs every schedule known."""
    if not query.open_now:
        return frozenset()
    schedules = open_schedules(search.reader)
    await schedules.refresh(search.reader)
    return schedules.open_ids()


async def page_rows(search: PlaceSearch, plan: PlacePlan, key: list[Any] | None, limit: int) -> Sequence[Any]:
    """First the page of ids (from the plan's source), then the summary columns of those rows only."""
    order_columns = [expression.label(f"order_{i}") for i, (expression, _) in enumerate(plan.order)]
    page = plan.joined(select(plan.id_column.label("page_id"), *order_columns).select_from(plan.source)).where(
        *plan.conditions
    )
    if key is not None:
        page = page.where(after(plan.order, key))
    # By the labels of the selected keys: SQLite would otherwise evaluate a name match again to sort.
    by_labels = [(column, descending) for column, (_, descending) in zip(order_columns, plan.order, strict=True)]
    page = page.order_by(*order_by(by_labels)).limit(limit + 1).subquery("page")
    page_order = [(page.c[f"order_{i}"], descending) for i, (_, descending) in enumerate(plan.order)]
    if plan.sort == "name" and search.dialect == "postgresql":
        page_order[0] = (page_order[0][0].collate("C"), False)
    statement = select(*SUMMARY_COLUMNS, *page.c).join(page, page.c.page_id == Place.id)
    # Core execution on the session's connection: the ORM's per-statement work is not needed for columns.
    connection = await search.session.connection()
    return (await connection.execute(statement.order_by(*order_by(page_order)), plan.parameters)).all()


async def facets_of(search: PlaceSearch, plan: PlacePlan) -> FacetCounts:
    """Counts per category and per district of every match, from one grouped query."""
    statement = (
        plan.joined(select(Place.category_code, Place.district_code, func.count().label("matches")).select_from(Place))
        .where(*plan.conditions)
        .group_by(Place.category_code, Place.district_code)
    )
    connection = await search.session.connection()
    rows = (await connection.execute(statement)).all()
    names = await reference_names(search.session, rows)
    return facet_counts(rows, names, search.language, plan.query.facets)


class GeneralPages(PageStrategy):
    name = "general"
    serves = frozenset(FILTERS)
    sorts = frozenset({"relevance", "distance", "name", "updated", "id"})

    def answers(self, query: PlaceQuery, text_plan: QueryPlan | None) -> bool:
        """Every request in an order it gives, whatever filters it uses: the last resort the chooser falls back
        on must not be refused a filter that `serves`, fixed when the module loaded, does not name (a field of a
        PlaceQuery subclass), or no strategy at all would answer."""
        return query.effective_sort in self.sorts

    async def page(self, search: PlaceSearch, query: PlaceQuery, text_plan: QueryPlan | None) -> PlaceResults:
        plan = general_plan(query, search.dialect, text_plan, await open_ids_for(search, query))
        rows = await page_rows(search, plan, plan.decode(query.cursor), query.limit)
        results = await results_of(search, query, rows, plan.cursor_kind(), keys=len(plan.order))
        if query.facets:
            results.facets = await facets_of(search, plan)
        return results


class NearestInCircles(PageStrategy):
    """The first page by distance: the general SQL on the smallest circle that holds more than a page."""

    name = "circles"
    serves = frozenset(FILTERS) - {"cursor"}
    sorts = frozenset({"distance"})
    needs = frozenset({"near"})

    async def page(self, search: PlaceSearch, query: PlaceQuery, text_plan: QueryPlan | None) -> PlaceResults:
        open_ids = await open_ids_for(search, query)
        plan = general_plan(query, search.dialect, text_plan, open_ids)
        *inner_radii, _ = circle_radii(query.radius_m)
        rows: Sequence[Any] = []
        for radius in inner_radii:
            inner = general_plan(replace(query, radius_m=radius), search.dialect, text_plan, open_ids)
            rows = await page_rows(search, inner, None, query.limit)
            if len(rows) > query.limit:
                break
        else:
            rows = await page_rows(search, plan, None, query.limit)
        results = await results_of(search, query, rows, plan.cursor_kind(), keys=len(plan.order))
        if query.facets:
            results.facets = await facets_of(search, plan)
        return results
