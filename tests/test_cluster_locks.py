"""Several instances on one database: they start together and migrate once, and do the upkeep one at a time."""

import asyncio
import os
import sys

from sqlalchemy import text

from api.config import Settings
from api.db import UPKEEP_LOCK, Database, take_turn
from api.housekeeping import run_turn
from tests.databases import blank_database

START = (
    "import os, sys\n"
    "from api.config import Settings\n"
    "from api.lifecycle import prepare_database\n"
    "prepare_database(Settings(_env_file=None, database_url=os.environ['URL'], app_env='test', seed_samples=False))\n"
)


async def test_instances_started_together_on_an_empty_database_migrate_and_seed_it_once(backend, tmp_path) -> None:
    async with blank_database(backend, tmp_path) as url:
        environment = {**os.environ, "URL": url}
        starts = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-c", START, env=environment, stderr=asyncio.subprocess.PIPE
            )
            for _ in range(3)
        ]
        answers = await asyncio.gather(*(start.communicate() for start in starts))
        for start, (_, errors) in zip(starts, answers, strict=True):
            assert start.returncode == 0, errors.decode()[-2000:]
        database = Database(Settings(_env_file=None, database_url=url, app_env="test"))
        try:
            async with database.engine.connect() as connection:
                versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
                seeds = (await connection.execute(text("SELECT count(*) FROM seed_state"))).scalar()
                districts = (await connection.execute(text("SELECT count(*) FROM district"))).scalar()
        finally:
            await database.dispose()
        assert len(versions) == 1
        assert seeds == 1 and districts == 16


async def test_the_upkeep_runs_in_one_instance_at_a_time(backend, database) -> None:
    async with database.sessionmaker() as first, first.begin():
        assert await take_turn(first, UPKEEP_LOCK)
        if backend == "postgresql":
            # Another instance, on its own connection, finds the round taken and does not run it.
            async with database.sessionmaker() as second, second.begin():
                assert await run_turn(second) is None
    # The first round committed: the next one may run.
    async with database.sessionmaker() as third, third.begin():
        assert await take_turn(third, UPKEEP_LOCK)
        await third.rollback()
