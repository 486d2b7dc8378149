"""Migration 0012 on a database with listings: every name gets its pinyin sort key, and the search index is
rebuilt with the tokens the running code makes."""

import asyncio

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.textsearch.tokens import PINYIN, QueryPlan, Term, name_sort_key, to_fts5, to_tsquery
from tests.test_migrations import migratable, upgrade_and_seed

# The whole initials of 为老服务中心: the earlier tokenizer kept five letters at most, and unmarked.
SIX_INITIALS = QueryPlan(((Term((PINYIN + "wlfwzx",), prefix=True),),))


async def _found_by_six_initials(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            statement = text("SELECT count(*) FROM search_place WHERE search_place MATCH :match")
            match = to_fts5(SIX_INITIALS)
        else:
            statement = text("SELECT count(*) FROM search_place WHERE doc @@ CAST(:match AS tsquery)")
            match = to_tsquery(SIX_INITIALS)
        return (await connection.execute(statement, {"match": match})).scalar_one()


async def test_upgrading_fills_the_sort_keys_and_rebuilds_the_search_index(backend: str, tmp_path) -> None:  # noqa: ANN001
    async with migratable(backend, tmp_path) as (config, engine):
        await upgrade_and_seed(config, engine)
        centres = await _found_by_six_initials(engine)
        assert centres > 0

        await asyncio.to_thread(command.downgrade, config, "0011")
        # The index as an earlier tokenizer left it: none of the tokens the running code asks for.
        async with engine.begin() as connection:
            for table in ("search_place", "search_place_grid", "search_content"):
                await connection.execute(text(f"DELETE FROM {table}"))
        assert await _found_by_six_initials(engine) == 0

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _found_by_six_initials(engine) == centres
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT name, name_sort FROM place"))).all()
        assert rows and all(name_sort == name_sort_key(name) for name, name_sort in rows)
