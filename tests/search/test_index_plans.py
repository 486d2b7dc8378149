"""How the databases run the commonest searches (words within a district, the map's nearest first): from their
indexes, even under the plan a database keeps for a statement it runs again and again."""

import math
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.places.plan import index_plan
from api.directory.places.query import PlaceQuery
from api.directory.places.strategies.index import first_page_read
from api.directory.places.strategies.nearest import NearestOnTheMap
from api.geo import METRES_PER_DEGREE, bounding_box
from api.prepared import _Compiled
from api.readers import POSTGRES_READ_SETTINGS
from api.textsearch.tokens import parse_query


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


async def test_words_in_a_district_start_from_the_index_under_a_reused_plan(session: AsyncSession) -> None:
    connection = await session.connection()
    dialect = connection.dialect
    query = PlaceQuery(q="长者食堂", district="310104")
    plan = index_plan(query, dialect.name, parse_query("长者食堂"))
    assert plan.parameters is not None
    parameters = {**plan.parameters, "page_limit": 21}
    compiled = first_page_read(dialect.name, in_district=True)._compiled_for(dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    if dialect.name == "sqlite":
        rows = await driver.execute_fetchall("EXPLAIN QUERY PLAN " + compiled.sql, compiled.arguments(parameters))
        assert "VIRTUAL TABLE INDEX" in "\n".join(str(row[-1]) for row in rows)
        return
    # A prepared statement run often gets a generic plan: a word parameter sent as text and cast to tsquery in SQL
    # was then cast again for every matching row (2.5 times the work for a district's 1,400 matches).
    plan = await _generic_plan(driver, compiled, parameters)
    assert plan.count("Bitmap Index Scan on ix_search_place_area_doc") == 2  # the name matches, then the others
    assert "::tsquery" not in plan and "area_doc @@ $" in plan
    # Not the primary key walked in order with every row's words tested (hundreds of ms for a rare word).
    assert not re.search(r"Index Scan using \S+ on search_place", plan)


async def test_the_maps_nearest_first_come_from_the_visible_listings_index_under_a_reused_plan(
    session: AsyncSession,
) -> None:
    connection = await session.connection()
    dialect = connection.dialect
    lat, lng, radius = 31.2304, 121.4737, 1000.0
    south, north, west, east = bounding_box(lat, lng, radius)
    parameters = {
        "lat": lat,
        "lng": lng,
        "lng_scale": METRES_PER_DEGREE * math.cos(math.radians(lat)),
        "exclude_id": 0,
        "page_limit": 21,
        "south": south,
        "north": north,
        "west": west,
        "east": east,
        "radius_sq": radius**2,
    }
    compiled = NearestOnTheMap()._prepared(by_category=False, by_district=False)._compiled_for(dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    # The partial index holds exactly the visible listings: a visibility test written with a parameter
    # (`status = $1`) cannot be proven to imply its predicate, and each listing in the box was then read from the
    # table (0.8 ms a statement on 100,000 listings instead of 0.2).
    if dialect.name == "sqlite":
        # With its statistics (as the benchmark's database has them): without them SQLite guesses every
        # equality to be rare and reads the listings by status.
        await driver.execute("ANALYZE")
        rows = await driver.execute_fetchall("EXPLAIN QUERY PLAN " + compiled.sql, compiled.arguments(parameters))
        assert "USING INDEX ix_search_place_visible_geo" in "\n".join(str(row[-1]) for row in rows)
        return
    plan = await _generic_plan(driver, compiled, parameters)
    assert "Index Only Scan using ix_search_place_visible_geo on place" in plan


async def _generic_plan(driver: Any, compiled: _Compiled, parameters: dict[str, Any]) -> str:
    """EXPLAIN of a statement under PostgreSQL's generic plan, as the read pool runs it (`api.readers`)."""
    await driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    # The seed is small enough for a scan of the whole table to look cheaper here.
    await driver.execute(f"SET LOCAL enable_seqscan = {POSTGRES_READ_SETTINGS['enable_seqscan']}")
    await driver.execute("PREPARE reused AS " + compiled.sql)
    try:
        arguments = ", ".join(_literal(value) for value in compiled.arguments(parameters))
        return "\n".join(row[0] for row in await driver.fetch(f"EXPLAIN EXECUTE reused({arguments})"))
    finally:
        await driver.execute("DEALLOCATE reused")
