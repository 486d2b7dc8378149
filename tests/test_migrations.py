"""The schema is built only by migrations: they go up, all the way down and up again, and match the models."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.db import create_engine_for
from api.lifecycle import alembic_config
from seed.loader import load_seed
from tests.databases import blank_database

EXPECTED_TABLES = {"district", "street", "category", "place", "event", "article", "bundle", "bundle_matter"}


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


@contextlib.asynccontextmanager
async def migratable(backend: str, tmp_path) -> AsyncIterator[tuple[Config, AsyncEngine]]:  # noqa: ANN001
    """A blank database, its Alembic configuration and an engine on it."""
    async with blank_database(backend, tmp_path) as url:
        engine = create_engine_for(url)
        try:
            yield alembic_config(url), engine
        finally:
            await engine.dispose()


async def test_upgrade_downgrade_upgrade_and_no_drift(backend: str, tmp_path) -> None:  # noqa: ANN001
    async with migratable(backend, tmp_path) as (config, engine):
        await asyncio.to_thread(command.upgrade, config, "head")
        assert await table_names(engine) >= EXPECTED_TABLES

        await asyncio.to_thread(command.downgrade, config, "base")
        assert await table_names(engine) <= {"alembic_version"}

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await table_names(engine) >= EXPECTED_TABLES

        # `alembic check` raises when autogenerate would write anything: models and migrations agree.
        await asyncio.to_thread(command.check, config)


def test_every_revision_file_is_date_prefixed_and_reversible() -> None:
    import re

    from api.config import PROJECT_ROOT

    versions = sorted((PROJECT_ROOT / "migrations" / "versions").glob("*.py"))
    assert versions
    for path in versions:
        assert re.match(r"^\d{8}_\w+\.py$", path.name), path.name
        source = path.read_text(encoding="utf-8")
        downgrade = source.split("def downgrade() -> None:", 1)[1]
        assert downgrade.strip() not in ("", "pass"), f"{path.name} cannot be downgraded"


async def _indexed_places_in_xuhui(engine: AsyncEngine, *, by_area: bool) -> int:
    """Listings of 徐汇 found by the word 公园: in the area field (scoped words) or by the district token."""
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            match = "zzd310104w公园" if by_area else "公园 AND zzd310104"
            statement = text("SELECT count(*) FROM search_place WHERE search_place MATCH :match")
        else:
            match = "zzd310104w公园" if by_area else "公园 & zzd310104"
            field = "area_doc" if by_area else "doc"
            statement = text(f"SELECT count(*) FROM search_place WHERE {field} @@ CAST(:match AS tsquery)")
        return (await connection.execute(statement, {"match": match})).scalar_one()


async def test_the_search_area_field_is_built_and_removed_with_listings_in_place(backend: str, tmp_path) -> None:  # noqa: ANN001
    async with migratable(backend, tmp_path) as (config, engine):
        await asyncio.to_thread(command.upgrade, config, "head")
        async with AsyncSession(engine) as session:
            await load_seed(session)
            await session.commit()
        parks = await _indexed_places_in_xuhui(engine, by_area=True)
        assert parks > 0 and await _indexed_places_in_xuhui(engine, by_area=False) == parks

        await asyncio.to_thread(command.downgrade, config, "0007")
        assert await _indexed_places_in_xuhui(engine, by_area=False) == parks

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _indexed_places_in_xuhui(engine, by_area=True) == parks
