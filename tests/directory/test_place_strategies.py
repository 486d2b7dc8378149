"""Every page strategy of the place search answers as the general one does, for every query the chooser lets it
answer; a fast strategy that claims a filter it does not apply is caught; a filter no strategy declares goes to the
general one; and the benchmark's requests are answered by the fast strategy meant for them."""

import dataclasses
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.places import chooser, open_now, views
from api.directory.places.query import FILTERS, PlaceQuery
from api.directory.places.strategies.base import PageStrategy
from api.directory.places.strategies.grid import GridNearAPoint
from api.directory.places.strategies.index import WordsFromTheIndex
from api.directory.places.strategies.nearest import NearestOnTheMap
from api.http import Language
from api.prepared import SessionReader
from api.textsearch.query import best_plan
from models import Place
from tests.directory.place_strategies import (
    FAST,
    QueryGenerator,
    Tally,
    filters_with_words_and_a_point,
    single_filter_queries,
    strategy_differences,
    vocabulary_of,
)

GENERATED = 300
PEOPLES_SQUARE = (31.2304, 121.4737)
# A Monday at 10:00 in Shanghai: most listings are open, some are not.
FROZEN_NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz=None):  # noqa: ANN001, ANN206
        return FROZEN_NOW.astimezone(tz) if tz else FROZEN_NOW.replace(tzinfo=None)


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """One minute for the whole comparison: the general answer and each strategy's are read at different
    moments, and a schedule that opens or a live figure that ages in between is not a strategy's difference."""
    monkeypatch.setattr(views, "datetime", _FrozenClock)
    monkeypatch.setattr(open_now, "datetime", _FrozenClock)


@pytest.fixture
async def live_figures(session: AsyncSession) -> None:
    """Some real listings and some samples report free places, so `available` has something to find and to
    refuse."""
    listings = (await session.scalars(select(Place).order_by(Place.id))).all()
    real = [place for place in listings if not place.is_sample]
    samples = [place for place in listings if place.is_sample]
    for place in real[::2] + samples[::50]:
        place.capacity, place.available = 40, 1 + place.id % 7
        place.available_updated_at = FROZEN_NOW - timedelta(minutes=3)
    await session.flush()


def public_read(session: AsyncSession, language: Language = "zh") -> PublicRead:
    """What the app gives a place search, on the test's transaction."""

    @asynccontextmanager
    async def in_test_transaction() -> AsyncIterator[AsyncSession]:
        yield session

    return PublicRead(SessionReader(session), language, in_test_transaction)


@pytest.mark.usefixtures("frozen_clock", "live_figures")
async def test_every_allowed_strategy_answers_as_the_general_one(session: AsyncSession) -> None:
    vocabulary = await vocabulary_of(session)
    queries = single_filter_queries(vocabulary) + filters_with_words_and_a_point(vocabulary)
    queries += QueryGenerator(random.Random(22), vocabulary).queries(GENERATED)
    tally, differences = Tally(), []
    for number, query in enumerate(queries):
        public = public_read(session, "en" if number % 4 == 0 else "zh")
        differences += await strategy_differences(public, query, pages=3, tally=tally)
    assert not differences, f"{len(differences)} differences, the first:\n" + "\n".join(differences[:10])
    # Not vacuous: each fast strategy answered many pages, most of them holding places.
    for name in FAST:
        assert tally.allowed[name] >= 40, (name, tally)
        assert tally.with_items[name] >= 25, (name, tally)


async def test_the_comparison_draws_every_filter_of_a_place_search(session: AsyncSession) -> None:
    """A filter added to PlaceQuery must be given values here too, or no strategy is ever compared on it (the
    cursor is drawn by following pages)."""
    vocabulary = await vocabulary_of(session)
    drawn = {name for query in single_filter_queries(vocabulary) for name in query.used_filters}
    assert drawn == set(FILTERS) - {"cursor"}


CENTRE = {"near": PEOPLES_SQUARE, "radius_m": 3000}
# A fast strategy made to claim filters its reads know nothing of, and requests of its shape that use them
# (STREET: a street near the centre, found in the test).
STREET = "the street of the toilet nearest the centre"
INJECTED: dict[str, tuple[type[PageStrategy], set[str], list[dict[str, Any]]]] = {
    "map": (NearestOnTheMap, {"street", "open_now"}, [{**CENTRE, "street": STREET}, {**CENTRE, "open_now": True}]),
    "grid": (
        GridNearAPoint,
        {"street", "accessibility"},
        [{**CENTRE, "q": "厕所", "street": STREET}, {**CENTRE, "q": "公园", "accessibility": ("hearing_loop",)}],
    ),
    "index": (
        WordsFromTheIndex,
        {"open_now", "accessibility"},
        [{"q": "长者食堂", "open_now": True}, {"q": "公园", "accessibility": ("hearing_loop",)}],
    ),
}


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize("name", list(INJECTED))
async def test_a_fast_strategy_that_ignores_a_filter_it_claims_is_caught(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    public = public_read(session)
    street = (
        await session.scalars(
            select(Place.street_code)
            .where(Place.category_code == "convenience.toilet", Place.street_code.is_not(None))
            .order_by(func.abs(Place.lat - PEOPLES_SQUARE[0]) + func.abs(Place.lng - PEOPLES_SQUARE[1]))
            .limit(1)
        )
    ).one()
    strategy, claimed, shapes = INJECTED[name]
    queries = [PlaceQuery(**{**shape, "street": street} if "street" in shape else shape) for shape in shapes]
    for query in queries:
        assert await strategy_differences(public, query) == []

    monkeypatch.setattr(strategy, "serves", strategy.serves | claimed)
    for query in queries:
        differences = await strategy_differences(public, query)
        assert differences and all(difference.startswith(f"{name}, page 1") for difference in differences), query


def test_a_new_filter_is_served_by_the_general_strategy_alone() -> None:
    extended = dataclasses.make_dataclass(
        "PlaceQueryWithStepFreeEntrance",
        [("step_free_entrance", bool, dataclasses.field(default=False))],
        bases=(PlaceQuery,),
        frozen=True,
    )
    text_plan_of_any_words = None
    shapes = [
        {"near": PEOPLES_SQUARE, "sort": "distance"},
        {"near": PEOPLES_SQUARE},
        {"category": "elder_care", "near": PEOPLES_SQUARE, "radius_m": 1000},
    ]
    for shape in shapes:
        assert chooser.choose(PlaceQuery(**shape), text_plan_of_any_words).name != "general"
        query = extended(**shape, step_free_entrance=True)
        assert "step_free_entrance" in query.used_filters
        assert chooser.strategies_for(query, text_plan_of_any_words) == [chooser.GENERAL]


async def test_a_new_filter_with_words_is_served_by_the_general_strategy_alone(session: AsyncSession) -> None:
    extended = dataclasses.make_dataclass(
        "PlaceQueryWithStepFreeEntrance",
        [("step_free_entrance", bool, dataclasses.field(default=False))],
        bases=(PlaceQuery,),
        frozen=True,
    )
    text_plan = await best_plan(session, "厕所")
    for shape in ({"q": "厕所", "district": "310101"}, {"q": "厕所", "near": PEOPLES_SQUARE, "open_now": True}):
        assert chooser.choose(PlaceQuery(**shape), text_plan).name != "general"
        assert chooser.strategies_for(extended(**shape, step_free_entrance=True), text_plan) == [chooser.GENERAL]


def _served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the strategies that answer the requests made after this call, in order."""
    served: list[str] = []
    for strategy in chooser.STRATEGIES:
        kind = type(strategy)
        original = kind.page

        async def recorded(self: PageStrategy, *args, _original=original, **kwargs):  # noqa: ANN002, ANN003, ANN202
            served.append(self.name)
            return await _original(self, *args, **kwargs)

        monkeypatch.setattr(kind, "page", recorded)
    return served


@pytest.mark.usefixtures("frozen_clock")
async def test_the_benchmarks_requests_are_answered_by_their_fast_strategy(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    served = _served(monkeypatch)
    xujiahui, peoples_square = "31.195000,121.437000", "31.230400,121.473700"
    requests = {
        "index": {"q": "长者食堂", "district": "310104"},
        "map": {"near": xujiahui, "radius_m": 1000, "sort": "distance"},
        "grid": {
            "q": "厕所",
            "near": peoples_square,
            "radius_m": 2000,
            "open_now": "true",
            "facets": "category,district",
        },
    }
    for strategy, params in requests.items():
        response = await client.get("/v1/places", params=params)
        assert response.status_code == 200 and response.json()["items"], (strategy, response.text)
        assert served == [strategy]
        served.clear()

    place_id = (await session.scalars(select(Place.id).where(Place.name == "人民公园"))).one()
    detail = await client.get(f"/v1/places/{place_id}")
    assert detail.status_code == 200 and detail.json()["name"] == "人民公园"
    assert served == []
