"""How the databases run the commonest search (words within a district, first page): from the word index, with
the words tested as given even under the plan a database keeps for a statement it runs again and again."""

import re

from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.place_query import PlacePlan, PlaceQuery
from api.directory.places import _index_first_page
from api.readers import POSTGRES_READ_SETTINGS
from api.search.tokens import parse_query


def _literal(value: object) -> str:
    return str(value) if isinstance(value, int) else "'" + str(value).replace("'", "''") + "'"


async def test_words_in_a_district_start_from_the_index_under_a_reused_plan(session: AsyncSession) -> None:
    connection = await session.connection()
    dialect = connection.dialect
    query = PlaceQuery(q="长者食堂", district="310104")
    parameters = {**PlacePlan(query, dialect.name, parse_query("长者食堂")).parameters, "page_limit": 21}
    compiled = _index_first_page(dialect.name, in_district=True)._compiled_for(dialect)
    driver = (await connection.get_raw_connection()).driver_connection
    if dialect.name == "sqlite":
        rows = await driver.execute_fetchall("EXPLAIN QUERY PLAN " + compiled.sql, compiled.arguments(parameters))
        assert "VIRTUAL TABLE INDEX" in "\n".join(str(row[-1]) for row in rows)
        return
    # A prepared statement run often gets a generic plan: a word parameter sent as text and cast to tsquery in SQL
    # was then cast again for every matching row (2.5 times the work for a district's 1,400 matches).
    await driver.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    # As the read pool runs it (`api.readers`): the seed is small enough for a scan of the whole table to look
    # cheaper here.
    await driver.execute(f"SET LOCAL enable_seqscan = {POSTGRES_READ_SETTINGS['enable_seqscan']}")
    await driver.execute("PREPARE district_words AS " + compiled.sql)
    try:
        arguments = ", ".join(_literal(value) for value in compiled.arguments(parameters))
        plan = "\n".join(row[0] for row in await driver.fetch(f"EXPLAIN EXECUTE district_words({arguments})"))
    finally:
        await driver.execute("DEALLOCATE district_words")
    assert plan.count("Bitmap Index Scan on ix_search_place_area_doc") == 2  # the name matches, then the others
    assert "::tsquery" not in plan and "area_doc @@ $" in plan
    # Not the primary key walked in order with every row's words tested (hundreds of ms for a rare word).
    assert not re.search(r"Index Scan using \S+ on search_place", plan)
