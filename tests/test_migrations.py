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


async def upgrade_and_seed(config: Config, engine: AsyncEngine) -> None:
    await asyncio.to_thread(command.upgrade, config, "head")
    async with AsyncSession(engine) as session:
        await load_seed(session)
        await session.commit()


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
        await upgrade_and_seed(config, engine)
        parks = await _indexed_places_in_xuhui(engine, by_area=True)
        assert parks > 0 and await _indexed_places_in_xuhui(engine, by_area=False) == parks

        await asyncio.to_thread(command.downgrade, config, "0007")
        assert await _indexed_places_in_xuhui(engine, by_area=False) == parks

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _indexed_places_in_xuhui(engine, by_area=True) == parks


async def _parks_by_cell(engine: AsyncEngine, *, from_grid: bool) -> dict[tuple[int, int], set[int]]:
    """Listings found by the word 公园, per grid cell: from the grid index, or from `doc` and their location."""
    from api.textsearch.grid import cell_of

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if not from_grid:
            match = "search_place MATCH '公园'" if sqlite else "doc @@ CAST('公园' AS tsquery)"
            key = "rowid" if sqlite else "place_id"
            rows = await connection.execute(
                text(f"SELECT id, lat, lng FROM place WHERE id IN (SELECT {key} FROM search_place WHERE {match})")
            )
            found: dict[tuple[int, int], set[int]] = {}
            for place_id, lat, lng in rows:
                found.setdefault(cell_of(lat, lng), set()).add(place_id)
            return found
        by_cell = {}
        for cell in {cell_of(lat, lng) for lat, lng in await connection.execute(text("SELECT lat, lng FROM place"))}:
            token = f"g{cell[0]}x{cell[1]}w公园"
            if sqlite:
                statement = text("SELECT rowid FROM search_place_grid WHERE search_place_grid MATCH :token")
                token = f'"{token}"'
            else:
                statement = text("SELECT place_id FROM search_place_grid WHERE grid_doc @@ CAST(:token AS tsquery)")
            ids = set((await connection.execute(statement, {"token": token})).scalars())
            if ids:
                by_cell[cell] = ids
        return by_cell


async def test_the_search_grid_is_built_and_removed_with_listings_in_place(backend: str, tmp_path) -> None:  # noqa: ANN001
    async with migratable(backend, tmp_path) as (config, engine):
        await upgrade_and_seed(config, engine)
        parks = await _parks_by_cell(engine, from_grid=False)
        assert len(parks) > 5 and await _parks_by_cell(engine, from_grid=True) == parks

        await asyncio.to_thread(command.downgrade, config, "0008")
        assert "search_place_grid" not in await table_names(engine)
        assert await _parks_by_cell(engine, from_grid=False) == parks

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _parks_by_cell(engine, from_grid=True) == parks
