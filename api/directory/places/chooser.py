"""The one place that decides how a page of a place search is answered.

The strategies are tried in order of preference, fastest first; the first that serves every filter of the
request, its order, and whatever else it needs (words to look for, a small enough circle) answers it. The general
strategy serves every filter and order, so every request has one.
"""

from api.directory.places.query import PlaceQuery
from api.directory.places.strategies.base import PageStrategy
from api.directory.places.strategies.general import GeneralPages, NearestInCircles
from api.directory.places.strategies.grid import GridNearAPoint
from api.directory.places.strategies.index import WordsFromTheIndex
from api.directory.places.strategies.nearest import NearestOnTheMap
from api.textsearch.tokens import QueryPlan

GENERAL = GeneralPages()
STRATEGIES: tuple[PageStrategy, ...] = (
    NearestOnTheMap(),
    GridNearAPoint(),
    WordsFromTheIndex(),
    NearestInCircles(),
    GENERAL,
)


def strategies_for(query: PlaceQuery, text_plan: QueryPlan | None) -> list[PageStrategy]:
    """Every strategy that may answer this request, in order of preference (the general one last)."""
    return [strategy for strategy in STRATEGIES if strategy.answers(query, text_plan)]


def choose(query: PlaceQuery, text_plan: QueryPlan | None) -> PageStrategy:
    return strategies_for(query, text_plan)[0]
