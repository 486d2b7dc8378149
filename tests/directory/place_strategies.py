"""The differential check of the place search's page strategies, and the queries it is run on.

Every strategy the chooser allows for a query must answer exactly as the general one does: the same items (ids,
order, distances, open state, figures), the same cursor and the same facet counts, page after page.
"""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import PublicRead
from api.directory.catalogue.names import reference_names
from api.directory.places import chooser
from api.directory.places.query import PlaceQuery
from api.directory.places.service import search_places
from api.directory.places.views import PlaceResults
from api.listings.derived import ACCESSIBILITY_FEATURES
from api.textsearch.query import best_plan
from api.visibility import publicly_visible
from models import Place

# What residents type (the benchmark's words and the grid tests' words), with a word nothing matches.
WORDS = [
    "厕所",
    "停车",
    "公园",
    "养老院",
    "助餐",
    "长者食堂",
    "充电",
    "快递",
    "卫生服务中心",
    "看病",
    "为老服务中心",
    "口袋公园",
    "老人 吃饭",
    "人民公园",
    "yanglao",
    "gongce",
    "tingche",
    "toilet",
    "xuhui",
    "运动",
    "停车场",
    "公厕",
    "没有这种地方",
]
LANDMARKS = [(31.2304, 121.4737), (31.1950, 121.4370), (31.2397, 121.4998), (31.2236, 121.4456)]
RADII = [300, 500, 1000, 2000, 3000, 5000, 20000]
LIMITS = [1, 2, 3, 5, 10, 20, 30]
FACETS: list[tuple[Any, ...]] = [("category",), ("district",), ("category", "district")]
FAST = ("map", "grid", "index", "circles")


@dataclass(frozen=True)
class Listing:
    id: int
    lat: float
    lng: float
    district: str
    street: str | None


@dataclass(frozen=True)
class Vocabulary:
    """Real values of the seeded database: filter codes it knows, and its published listings."""

    categories: list[str]
    districts: list[str]
    streets: list[str]
    listings: list[Listing]


async def vocabulary_of(session: AsyncSession) -> Vocabulary:
    known = await reference_names(session)
    rows = (
        await session.execute(
            select(Place.id, Place.lat, Place.lng, Place.district_code, Place.street_code)
            .where(publicly_visible(Place))
            .order_by(Place.id)
        )
    ).all()
    listings = [Listing(*row) for row in rows]
    streets = sorted({listing.street for listing in listings if listing.street})
    return Vocabulary(sorted(known.categories), sorted(known.districts), streets, listings)


def single_filter_queries(vocabulary: Vocabulary) -> list[PlaceQuery]:
    """Each filter alone, on a few of its values."""
    some = random.Random(7)
    queries = [PlaceQuery(q=word) for word in WORDS]
    queries += [PlaceQuery(category=code) for code in vocabulary.categories]
    queries += [PlaceQuery(district=code) for code in some.sample(vocabulary.districts, 4)]
    # Two streets anywhere, and the streets of the two listings nearest the centre.
    by_distance = sorted(vocabulary.listings, key=lambda listing: _degrees_sq(listing, LANDMARKS[0]))
    central = [listing.street for listing in by_distance if listing.street][:2]
    queries += [PlaceQuery(street=code) for code in some.sample(vocabulary.streets, 2) + central]
    queries += [PlaceQuery(near=point, radius_m=radius) for point in LANDMARKS for radius in (500, 3000)]
    queries += [PlaceQuery(open_now=True), PlaceQuery(available=True)]
    queries += [PlaceQuery(accessibility=("wheelchair",)), PlaceQuery(accessibility=("wheelchair", "elevator"))]
    queries += [PlaceQuery(exclude_id=listing.id) for listing in some.sample(vocabulary.listings, 2)]
    queries += [PlaceQuery(facets=facets) for facets in FACETS]
    return queries


def _degrees_sq(listing: Listing, point: tuple[float, float]) -> float:
    return (listing.lat - point[0]) ** 2 + (listing.lng - point[1]) ** 2


def filters_with_words_and_a_point(vocabulary: Vocabulary) -> list[PlaceQuery]:
    """Each filter but the words and the point, with words, with a point (nearest first), and with both: the
    shapes each fast strategy serves, plus the one filter it may or may not apply."""
    filters = [query for query in single_filter_queries(vocabulary) if not (query.q or query.near)]
    centre = {"near": LANDMARKS[0], "radius_m": 3000}
    return [
        replace(query, **extra)
        for query in filters
        for extra in ({"q": "公园"}, {**centre, "sort": "distance"}, {**centre, "q": "厕所"})
    ]


class QueryGenerator:
    """Random place queries, biased to the shapes each fast strategy serves, and any mix of filters besides."""

    def __init__(self, rng: random.Random, vocabulary: Vocabulary) -> None:
        self.rng, self.vocabulary = rng, vocabulary

    def queries(self, count: int) -> list[PlaceQuery]:
        shapes: list[Callable[[], PlaceQuery]] = [self.map, self.grid, self.index, self.circles, self.anything]
        return [self.rng.choice(shapes)() for _ in range(count)]

    def map(self) -> PlaceQuery:
        """What is near me, nearest first (the map, and the nearby list of a place)."""
        listing, near = self._point()
        return self._limited(
            near=near,
            radius_m=self.rng.choice(RADII),
            sort=self.rng.choice([None, "distance"]),
            category=self._maybe(0.4, self._category),
            district=self._maybe(0.3, lambda: listing.district),
            exclude_id=listing.id if self.rng.random() < 0.4 else None,
        )

    def grid(self) -> PlaceQuery:
        """Words near a point, open now, with facets."""
        listing, near = self._point()
        return self._limited(
            q=self._word(),
            near=near,
            radius_m=self.rng.choice(RADII[1:-1]),
            sort=self.rng.choice([None, "relevance", "distance"]),
            category=self._maybe(0.15, self._category),
            district=self._maybe(0.15, lambda: listing.district),
            open_now=self.rng.random() < 0.4,
            facets=self._maybe(0.5, lambda: self.rng.choice(FACETS)) or (),
        )

    def index(self) -> PlaceQuery:
        """Words, in a district or a category."""
        return self._limited(
            q=self._word(),
            sort=self.rng.choice([None, "relevance"]),
            category=self._maybe(0.3, self._category),
            district=self._maybe(0.6, lambda: self.rng.choice(self.vocabulary.districts)),
        )

    def circles(self) -> PlaceQuery:
        """Nearest first with any filter."""
        return replace(self.anything(near=True), sort="distance")

    def anything(self, *, near: bool = False) -> PlaceQuery:
        listing, point = self._point()
        near_point = point if near or self.rng.random() < 0.6 else None
        sorts: list[str | None] = [None, None, "relevance", "name", "updated"] + (
            ["distance"] * 2 if near_point else []
        )
        return self._limited(
            q=self._maybe(0.5, self._word),
            near=near_point,
            radius_m=self.rng.choice(RADII),
            sort=self.rng.choice(sorts),
            category=self._maybe(0.25, self._category),
            district=self._maybe(0.2, lambda: listing.district),
            street=self._maybe(0.15, lambda: listing.street or self.rng.choice(self.vocabulary.streets)),
            open_now=self.rng.random() < 0.25,
            accessibility=self._maybe(0.15, self._accessibility) or (),
            available=self.rng.random() < 0.1,
            exclude_id=self._maybe(0.15, lambda: listing.id),
            facets=self._maybe(0.25, lambda: self.rng.choice(FACETS)) or (),
        )

    def _limited(self, **fields: Any) -> PlaceQuery:
        limit = self.rng.choice(LIMITS) if self.rng.random() < 0.7 else self.rng.randint(1, 30)
        return PlaceQuery(**fields, limit=limit)

    def _point(self) -> tuple[Listing, tuple[float, float]]:
        """A listing and a point up to 300 m from it (or a landmark): where residents stand."""
        listing = self.rng.choice(self.vocabulary.listings)
        if self.rng.random() < 0.25:
            return listing, self.rng.choice(LANDMARKS)
        lat = round(listing.lat + self.rng.uniform(-0.0027, 0.0027), 6)
        lng = round(listing.lng + self.rng.uniform(-0.0031, 0.0031), 6)
        return listing, (lat, lng)

    def _word(self) -> str:
        return self.rng.choice(WORDS)

    def _category(self) -> str:
        return self.rng.choice(self.vocabulary.categories)

    def _accessibility(self) -> tuple[str, ...]:
        return tuple(self.rng.sample(ACCESSIBILITY_FEATURES, self.rng.randint(1, 2)))

    def _maybe(self, chance: float, value: Callable[[], Any]) -> Any:
        return value() if self.rng.random() < chance else None


@dataclass
class Tally:
    """How often each strategy was allowed to answer a page, and how often that page held places."""

    allowed: Counter[str] = field(default_factory=Counter)
    with_items: Counter[str] = field(default_factory=Counter)


async def strategy_differences(
    public: PublicRead, query: PlaceQuery, *, pages: int = 3, tally: Tally | None = None
) -> list[str]:
    """Where a strategy the chooser allows answers otherwise than the general one, on the first `pages` pages
    (each later page from the general answer's cursor, so it goes to the strategies that serve a cursor)."""
    differences: list[str] = []
    for page in range(1, pages + 1):
        text_plan = await best_plan(public.reader, query.q) if query.q else None
        allowed = chooser.strategies_for(query, text_plan)
        if allowed[-1:] != [chooser.GENERAL]:
            differences.append(f"page {page} of {query}: the general strategy is not the last resort: {allowed}")
            return differences
        expected = await search_places(public, query, strategy=chooser.GENERAL)
        for strategy in allowed[:-1]:
            answer = await search_places(public, query, strategy=strategy)
            differences += [
                f"{strategy.name}, page {page} of {query}: {difference}" for difference in _compared(answer, expected)
            ]
            if tally is not None:
                tally.allowed[strategy.name] += 1
                tally.with_items[strategy.name] += bool(expected.items)
        if expected.next_cursor is None:
            break
        query = replace(query, cursor=expected.next_cursor)
    return differences


def _compared(answer: PlaceResults, expected: PlaceResults) -> list[str]:
    found = []
    ids, expected_ids = [item["id"] for item in answer.items], [item["id"] for item in expected.items]
    if ids != expected_ids:
        found.append(f"items {ids} instead of {expected_ids}")
    elif answer.items != expected.items:
        unlike = next(pair for pair in zip(answer.items, expected.items, strict=True) if pair[0] != pair[1])
        other_fields = sorted(key for key in unlike[1] if unlike[0].get(key) != unlike[1][key])
        found.append(f"place {unlike[1]['id']} shown with other {other_fields}")
    if answer.next_cursor != expected.next_cursor:
        found.append(f"cursor {answer.next_cursor!r} instead of {expected.next_cursor!r}")
    if answer.facets != expected.facets:
        found.append(f"facets {answer.facets} instead of {expected.facets}")
    return found
