"""The grid index: every word of a listing scoped to the map cell it stands in, for words searched near a point.

Without it, a search such as 厕所 within 3 km, open now, had two poor starts: the word's city-wide posting list
(thousands of listings) or every listing in the box (hundreds to thousands), each then tested row by row
against the other condition, which was most of such a query's time on PostgreSQL (bench/README.md). Scoped
to cells of 0.02° (about 2.2 × 1.9 km), `g1560x6070w厕所` lists only the toilets of one cell, so the same search
reads the short lists of the 1–20 cells around the point and nothing else.

A listing's words are stored scoped as `g<row>x<column>w<token>`; to tell name matches (relevance), SQLite
keeps the words of its name again as `g<row>x<column>n<token>` and PostgreSQL its name's words unscoped beside
them. On PostgreSQL the table also holds what the page and its facets need of each listing (location,
category, district, opening schedule), so a search reads `place` only for the page it shows; SQLite reads
those from `place` by rowid, which costs it less than FTS5's own content table.
"""

import functools
import math
from collections.abc import Callable, Iterable

from api.geo import bounding_box
from api.textsearch.tokens import QueryPlan, to_fts5, to_tsquery

CELLS_PER_DEGREE = 50  # cells of 0.02°
# Beyond this many cells (a radius of about 6 km) the general search, which starts from the word, takes over.
MAX_CELLS = 64

Cell = tuple[int, int]


def cell_of(lat: float, lng: float) -> Cell:
    return math.floor(lat * CELLS_PER_DEGREE), math.floor(lng * CELLS_PER_DEGREE)


def cells_around(lat: float, lng: float, radius_m: float) -> list[Cell] | None:
    """Every cell the circle's bounding box touches (any listing within the radius stands in one of them), or None
    when they are more than `MAX_CELLS`.

    Counted before they are listed: towards a pole a degree of longitude shrinks to nothing, and at 90° the box
    is ~10¹⁷ cells wide."""
    south, north, west, east = bounding_box(lat, lng, radius_m)
    (low_row, low_column), (high_row, high_column) = cell_of(south, west), cell_of(north, east)
    rows, columns = range(low_row, high_row + 1), range(low_column, high_column + 1)
    if len(rows) * len(columns) > MAX_CELLS:
        return None
    return [(row, column) for row in rows for column in columns]


def _scope(cell: Cell, field: str) -> str:
    return f"g{cell[0]}x{cell[1]}{field}"


def scoped_tokens(lat: float, lng: float, tokens: Iterable[str], field: str) -> str:
    """Tokens scoped to the listing's cell, space-separated: its words (`w`) or, on SQLite, its name's (`n`)."""
    scope = _scope(cell_of(lat, lng), field)
    return " ".join(scope + token for token in tokens)


def match_parameters(plan: QueryPlan, dialect: str, cells: list[Cell]) -> dict[str, object]:
    """The plan in each cell (`grid_words`), and how to tell a name match among the matches (`grid_names`).

    A listing stands in one cell, so "matches in one of the cells" is an OR of the plan per cell: on PostgreSQL
    an array the GIN index takes one element at a time (one large OR costs every candidate a test of all of
    it), on SQLite one FTS5 expression. Name matches: on SQLite the plan per cell in the names' scope (FTS5
    answers it from its index); on PostgreSQL the plain plan, tested on the few matching rows' names."""
    render = to_fts5 if dialect == "sqlite" else to_tsquery
    words = _per_cell(plan, render, [_scope(cell, "w") for cell in cells])
    if dialect == "sqlite":
        names = _per_cell(plan, render, [_scope(cell, "n") for cell in cells])
        return {
            "grid_words": " OR ".join(f"({expression})" for expression in words),
            "grid_names": " OR ".join(f"({expression})" for expression in names),
        }
    return {"grid_words": words, "grid_names": to_tsquery(plan)}


# Stands for a cell's scope in a plan rendered once: no token holds it (NUL cannot reach the databases' text).
_SCOPE_MARK = "\x00"


def _per_cell(plan: QueryPlan, render: Callable[[QueryPlan], str], scopes: list[str]) -> list[str]:
    """The plan rendered in each scope. A scope is a prefix of every token, so the plan is rendered once with a
    mark for it and the mark replaced per cell: rendering it anew for each of up to 64 cells cost more than the
    rest of the request's search logic."""
    template = _template(plan, render)
    if template is None:
        return [render(plan.scoped(scope)) for scope in scopes]
    return [template.replace(_SCOPE_MARK, scope) for scope in scopes]


# Residents search for the same few words again and again.
@functools.lru_cache(maxsize=4096)
def _template(plan: QueryPlan, render: Callable[[QueryPlan], str]) -> str | None:
    """The plan rendered with the mark for its scope, or None when a token holds the mark itself."""
    template = render(plan.scoped(_SCOPE_MARK))
    if template.count(_SCOPE_MARK) != sum(len(term.tokens) for alternatives in plan.words for term in alternatives):
        return None
    return template
