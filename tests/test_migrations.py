"""The schema is built only by migrations: they go up, all the way down and up again, and match the models."""

import asyncio

from alembic import command
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db import create_engine_for
from api.lifecycle import alembic_config
from tests.databases import blank_database

EXPECTED_TABLES = {"district", "street", "category", "place", "event", "article", "bundle", "bundle_matter"}


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


async def test_upgrade_downgrade_upgrade_and_no_drift(backend: str, tmp_path) -> None:  # noqa: ANN001
    async with blank_database(backend, tmp_path) as url:
        config = alembic_config(url)
        engine = create_engine_for(url)
        try:
            await asyncio.to_thread(command.upgrade, config, "head")
            assert await table_names(engine) >= EXPECTED_TABLES

            await asyncio.to_thread(command.downgrade, config, "base")
            assert await table_names(engine) <= {"alembic_version"}

            await asyncio.to_thread(command.upgrade, config, "head")
            assert await table_names(engine) >= EXPECTED_TABLES

            # `alembic check` raises when autogenerate would write anything: models and migrations agree.
            await asyncio.to_thread(command.check, config)
        finally:
            await engine.dispose()


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
