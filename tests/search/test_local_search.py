"""Words near a point (the first page of `q` + `near`) come from the grid index: the same answers as the general
search, and in step with every write to a listing."""

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database
from api.directory.places import chooser
from api.directory.places.query import PlaceQuery
from api.directory.places.strategies import grid
from api.directory.places.strategies.grid import GridNearAPoint
from api.prepared import PreparedRead
from api.textsearch.grid import cells_around
from api.textsearch.tokens import parse_query
from api.timestamps import SHANGHAI
from tests.search.test_index_and_sync import renamed_listing

PEOPLES_SQUARE = "31.2304,121.4737"
XUJIAHUI = "31.1950,121.4370"

# Shapes the grid serves: filters it applies itself, both orders, the facets, short pages with a cursor.
SHAPES = [
    {"near": PEOPLES_SQUARE, "radius_m": 3000},
    {"near": PEOPLES_SQUARE, "radius_m": 800, "sort": "distance"},
    {"near": XUJIAHUI, "radius_m": 2000, "open_now": "true", "facets": "category,district"},
    {"near": PEOPLES_SQUARE, "radius_m": 5000, "category": "elder_care", "facets": "category"},
    {"near": XUJIAHUI, "radius_m": 4000, "district": "310104", "sort": "distance", "facets": "district"},
    {"near": PEOPLES_SQUARE, "radius_m": 3000, "limit": 2, "open_now": "true"},
    {"near": XUJIAHUI, "radius_m": 3000, "limit": 3},
]
WORDS = ["厕所", "公园", "yanglao", "老人 吃饭", "人民公园", "toilet", "停车", "xuhui"]


@pytest.mark.parametrize("q", WORDS)
@pytest.mark.parametrize("shape", range(len(SHAPES)))
async def test_words_near_a_point_answer_as_the_general_search_does(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, q: str, shape: int
) -> None:
    params = {"q": q, **SHAPES[shape]}
    from_grid = await client.get("/v1/places", params=params)
    assert from_grid.status_code == 200, from_grid.text
    # Every fast strategy declines: the chooser's last resort, the general search, answers.
    monkeypatch.setattr(chooser, "STRATEGIES", (chooser.GENERAL,))
    general = (await client.get("/v1/places", params=params)).json()
    # The same page in the same order, the same distances, the same facet counts and the same cursor (so the
    # general search carries on from the grid's first page).
    assert from_grid.json() == general


@pytest.mark.parametrize("q", ["厕所", "公园", "停车"])
async def test_the_grid_answers_common_words_near_the_centre(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    served = []
    first_page = GridNearAPoint.page

    async def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        served.append(q)
        return await first_page(self, *args, **kwargs)

    monkeypatch.setattr(GridNearAPoint, "page", counted)
    body = (await client.get("/v1/places", params={"q": q, "near": PEOPLES_SQUARE, "radius_m": 3000})).json()
    assert served and body["items"]
    assert all(item["distance_m"] <= 3000 for item in body["items"])


async def test_a_wide_radius_or_a_later_page_takes_the_general_search(client: httpx.AsyncClient) -> None:
    # 20 km would read hundreds of cells: the word's own list is then the better start.
    wide = (await client.get("/v1/places", params={"q": "公园", "near": PEOPLES_SQUARE, "radius_m": 20000})).json()
    assert wide["items"] and wide["next_cursor"]
    following = (
        await client.get(
            "/v1/places",
            params={"q": "公园", "near": PEOPLES_SQUARE, "radius_m": 20000, "cursor": wide["next_cursor"]},
        )
    ).json()
    assert following["items"] and not {i["id"] for i in following["items"]} & {i["id"] for i in wide["items"]}


async def _found_near(client: httpx.AsyncClient, place_id: int, near: str, **params: str) -> bool:
    body = (await client.get("/v1/places", params={"q": "梧桐小食堂", "near": near, "radius_m": 1000, **params})).json()
    return place_id in {item["id"] for item in body["items"]}


async def test_the_grid_follows_a_listing_that_moves_closes_or_is_archived(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    place = await renamed_listing(session, "310104", "徐汇梧桐小食堂")
    place_id = place.id
    here = f"{place.lat},{place.lng}"
    assert await _found_near(client, place_id, here)

    # Moved about 10 km north: found at its new place at once, no longer at the old one.
    place.lat += 0.09
    await session.commit()
    there = f"{place.lat},{place.lng}"
    assert await _found_near(client, place_id, there) and not await _found_near(client, place_id, here)

    always = {"weekly": [{"days": [1, 2, 3, 4, 5, 6, 7], "opens": "00:00", "closes": "24:00"}]}
    place.opening_hours = always
    await session.commit()
    assert await _found_near(client, place_id, there, open_now="true")
    today = datetime.now(SHANGHAI).date()
    closed = [{"date": day.isoformat(), "closed": True} for day in (today, today + timedelta(days=1))]
    place.opening_hours = {**always, "exceptions": closed}
    await session.commit()
    assert not await _found_near(client, place_id, there, open_now="true")
    assert await _found_near(client, place_id, there)

    place.status = "archived"
    await session.commit()
    assert not await _found_near(client, place_id, there)


async def test_the_read_pool_starts_words_near_a_point_from_the_grid_index(database: Database) -> None:
    # On PostgreSQL the planner guesses cell-scoped words far commoner than they are and would rather scan every
    # row of the grid (100,000 listings: 3 s instead of 2 ms); the read pool's connections do not let it.
    reader = database.reader
    dialect = reader.dialect.name
    query = PlaceQuery(q="长者食堂", near=(31.1950, 121.4370), radius_m=3000)
    text_plan = parse_query("长者食堂")
    assert chooser.choose(query, text_plan).name == "grid"
    cells = cells_around(31.1950, 121.4370, 3000.0)
    assert cells is not None
    compiled = PreparedRead(grid.hits_statement(dialect))._compiled_for(reader.dialect)
    parameters = grid.hit_parameters(query, text_plan, dialect, cells)
    explain = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    rows = await reader.records(explain + compiled.sql, compiled.arguments(parameters), limit_one=False)
    plan = "\n".join(str(row[-1]) for row in rows)
    assert ("VIRTUAL TABLE INDEX" if dialect == "sqlite" else "Bitmap Index Scan on ix_search_place_grid_doc") in plan
