"""The grid strategy: words near a point ("厕所 within 1 km, open now", with facets), the first page from the grid
index.

The grid index (`api.textsearch.grid`) lists each word per map cell with what the page needs of each listing, so
one prepared read returns every match in the circle with its distance and whether its name matches. Those are
few (tens to hundreds), so the rest is done here, exactly as the general path does it in SQL: the filters
the index does not hold (category subtree, district, open now), the order (name matches first, then distance,
then id), the cursor after the page, and the facet counts of every match. `place` is read for the page only.

Later pages, other sorts and the filters that need `place` (street, accessibility, availability) are not served
here: the chooser gives them to the general strategy, which returns the same rows and cursors.
"""

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, String, bindparam, column, select, table, text

from api.directory.catalogue.names import reference_names
from api.directory.places import views
from api.directory.places.facets import facet_counts
from api.directory.places.open_now import open_schedules
from api.directory.places.query import PlaceQuery, cursor_kind
from api.directory.places.strategies.base import PageStrategy, PlaceSearch
from api.directory.places.views import SUMMARY_COLUMNS, PlaceResults
from api.geo import METRES_PER_DEGREE, bounding_box, flat_distance_sq
from api.pagination import encode_cursor
from api.prepared import PreparedRead, PreparedRow
from api.textsearch import grid
from api.textsearch.query import tsquery_parameter
from api.textsearch.tokens import QueryPlan
from api.visibility import publicly_visible
from models import Place

# The PostgreSQL layout (SQLite's grid holds the words alone).
_grid = table(
    "search_place_grid",
    column("place_id", Integer),
    column("lat", Float),
    column("lng", Float),
    column("category_code", String),
    column("district_code", String),
    column("schedule_id", Integer),
    column("grid_doc"),
    column("name_doc"),
)


def hits_statement(dialect: str) -> Select:
    """Every match in the circle: id, category, district, schedule, squared distance and name hit (1 or 0)."""
    if dialect == "sqlite":
        # The grid is an FTS5 table of words alone: the rest comes from `place` by rowid.
        columns: Any = Place
        place_id: Any = Place.id
        matches = text("SELECT rowid FROM search_place_grid WHERE search_place_grid MATCH :grid_words")
        named = text("SELECT rowid FROM search_place_grid WHERE search_place_grid MATCH :grid_names")
        words = place_id.in_(matches.columns(column("rowid", Integer)))
        name_hit = place_id.in_(named.columns(column("rowid", Integer)))
    else:
        columns, place_id = _grid.c, _grid.c.place_id
        words = _grid.c.grid_doc.op("@@")(text("ANY(CAST(:grid_words AS tsquery[]))"))
        # Tested on the matching rows only: a subquery's list of name matches could be planned as a scan of the
        # whole table, as the planner guesses scoped words to be far commoner than they are.
        name_hit = _grid.c.name_doc.op("@@")(tsquery_parameter("grid_names"))
    lat, lng = columns.lat, columns.lng
    distance_sq = flat_distance_sq(
        bindparam("lat", type_=Float), bindparam("lng", type_=Float), bindparam("lng_scale", type_=Float), of=(lat, lng)
    )
    return select(
        place_id.label("place_id"),
        columns.category_code,
        columns.district_code,
        columns.schedule_id,
        distance_sq.label("distance_sq"),
        name_hit.label("name_hit"),
    ).where(
        words,
        lat.between(bindparam("south", type_=Float), bindparam("north", type_=Float)),
        lng.between(bindparam("west", type_=Float), bindparam("east", type_=Float)),
        distance_sq <= bindparam("radius_sq", type_=Float),
    )


def _page_statement(summary: Select, dialect: str) -> Select:
    if dialect == "sqlite":
        by_id = text("place.id IN (SELECT value FROM json_each(:page_ids))")
    else:
        by_id = text("place.id = ANY(CAST(:page_ids AS integer[]))")
    return summary.where(by_id, publicly_visible(Place))


def hit_parameters(query: PlaceQuery, plan: QueryPlan, dialect: str, cells: list[grid.Cell]) -> dict[str, Any]:
    """The parameters of the hits statement: the words per cell, the point, its box and the radius."""
    assert query.near is not None
    lat, lng = query.near
    south, north, west, east = bounding_box(lat, lng, float(query.radius_m))
    return {
        **grid.match_parameters(plan, dialect, cells),
        "lat": lat,
        "lng": lng,
        "lng_scale": METRES_PER_DEGREE * math.cos(math.radians(lat)),
        "south": south,
        "north": north,
        "west": west,
        "east": east,
        "radius_sq": float(query.radius_m) ** 2,
    }


# Positions in a record of the hits statement: the matches are read and filtered as the driver returns them, as
# a named row each cost more than the read (there are tens to hundreds per request).
_ID, _CATEGORY, _DISTRICT, _SCHEDULE, _DISTANCE_SQ, _NAME_HIT = range(6)


@dataclass(frozen=True)
class FacetRow:
    category_code: str
    district_code: str
    matches: int


class GridNearAPoint(PageStrategy):
    """The prepared reads, per dialect, made on first use."""

    name = "grid"
    serves = frozenset({"q", "near", "category", "district", "open_now", "facets"})
    sorts = frozenset({"relevance", "distance"})
    needs = frozenset({"q", "near"})

    def __init__(self) -> None:
        self._summary = select(*SUMMARY_COLUMNS)
        self._by_dialect: dict[str, tuple[PreparedRead, PreparedRead]] = {}

    def fits(self, query: PlaceQuery, text_plan: QueryPlan | None) -> bool:
        """Words to look for, in a circle of at most grid.MAX_CELLS cells."""
        assert query.near is not None
        cells = grid.cells_around(query.near[0], query.near[1], float(query.radius_m))
        return cells is not None and text_plan is not None and not text_plan.empty

    def _prepared(self, dialect: str) -> tuple[PreparedRead, PreparedRead]:
        """The hits read and the page read of this dialect."""
        if dialect not in self._by_dialect:
            hits, page = hits_statement(dialect), _page_statement(self._summary, dialect)
            self._by_dialect[dialect] = PreparedRead(hits), PreparedRead(page)
        return self._by_dialect[dialect]

    async def page(self, search: PlaceSearch, query: PlaceQuery, text_plan: QueryPlan | None) -> PlaceResults:
        assert query.near is not None and text_plan is not None
        cells = grid.cells_around(query.near[0], query.near[1], float(query.radius_m))
        assert cells is not None
        reader, dialect = search.reader, search.dialect
        hits_read, page_read = self._prepared(dialect)
        records = await hits_read.values(reader, **hit_parameters(query, text_plan, dialect, cells))
        open_ids: frozenset[int] = frozenset()
        if query.open_now:
            # The matches name their schedules: learnt now if new, rather than every schedule before the read.
            schedules = open_schedules(reader)
            if not schedules.knows({hit[_SCHEDULE] for hit in records if hit[_SCHEDULE] is not None}):
                await schedules.refresh(reader)
            open_ids = schedules.open_ids()
        hits = _kept(records, query, open_ids)
        by_relevance = query.effective_sort == "relevance"
        hits.sort(key=_by_relevance if by_relevance else _by_distance)
        page = hits[: query.limit]
        rows: list[PreparedRow] = []
        if page:
            ids = [hit[_ID] for hit in page]
            found = await page_read.all(reader, page_ids=json.dumps(ids) if dialect == "sqlite" else ids)
            by_id = {row.id: row for row in found}
            rows = [by_id[place_id] for place_id in ids if place_id in by_id]
        next_cursor = None
        if len(hits) > query.limit:
            # The general strategy's cursor keys: (name hit, distance, id) by relevance, (distance, id) by distance.
            last = page[-1]
            key = [int(last[_NAME_HIT]), last[_DISTANCE_SQ], last[_ID]] if by_relevance else list(_by_distance(last))
            next_cursor = encode_cursor(cursor_kind(query.effective_sort, len(key)), key)
        results = PlaceResults(await views.summaries(reader, search.language, query, rows), next_cursor)
        if query.facets:
            counts = Counter((hit[_CATEGORY], hit[_DISTRICT]) for hit in hits)
            facet_rows = [FacetRow(category, district, matches) for (category, district), matches in counts.items()]
            names = await reference_names(reader, facet_rows)
            results.facets = facet_counts(facet_rows, names, search.language, query.facets)
        return results


def _kept(records: Sequence[Sequence[Any]], query: PlaceQuery, open_ids: frozenset[int]) -> list[Sequence[Any]]:
    """The matches that pass the filters the grid does not apply itself: one pass for each filter asked for."""
    kept = list(records)
    if query.category is not None:
        wanted, subtree = query.category, query.category + "."
        kept = [hit for hit in kept if hit[_CATEGORY] == wanted or hit[_CATEGORY].startswith(subtree)]
    if query.district is not None:
        kept = [hit for hit in kept if hit[_DISTRICT] == query.district]
    if query.open_now:
        kept = [hit for hit in kept if hit[_SCHEDULE] in open_ids]
    return kept


def _by_relevance(hit: Sequence[Any]) -> tuple[int, float, int]:
    return -hit[_NAME_HIT], hit[_DISTANCE_SQ], hit[_ID]


def _by_distance(hit: Sequence[Any]) -> tuple[float, int]:
    return hit[_DISTANCE_SQ], hit[_ID]
