"""Several instances on one database: they start together and migrate once, and do the upkeep one at a time."""

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, text

from api.config import Settings
from api.db import UPKEEP_LOCK, Database, take_turn
from api.housekeeping import ROUND_NAME, Skipped, run_turn
from models import UpkeepRound
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
                assert await run_turn(second, "second") == Skipped("another worker or instance is doing a round now")
    # The first round committed: the next one may run.
    async with database.sessionmaker() as third, third.begin():
        assert await take_turn(third, UPKEEP_LOCK)
        await third.rollback()


async def test_a_round_started_recently_elsewhere_is_not_repeated(database) -> None:
    """The loop of every worker of every instance asks for a round; within half an interval of one, others skip."""
    spacing = timedelta(minutes=30)
    start = datetime.now(UTC)
    try:
        async with database.sessionmaker() as session, session.begin():
            assert isinstance(await run_turn(session, "box-a:8000", spacing=spacing, now=start), dict)
        async with database.sessionmaker() as session, session.begin():
            skipped = await run_turn(session, "box-b:8000", spacing=spacing, now=start + timedelta(minutes=29))
        assert skipped == Skipped("a round started recently", by="box-a:8000")
        async with database.sessionmaker() as session, session.begin():
            assert isinstance(await run_turn(session, "box-b:8000", spacing=spacing, now=start + spacing), dict)
            # `svcdir housekeeping` (no spacing) runs however recent the last round is.
            assert isinstance(await run_turn(session, "cli", now=start + spacing), dict)
        async with database.sessionmaker() as session:
            last = await session.get(UpkeepRound, ROUND_NAME)
            assert (last.instance, last.started_at) == ("cli", start + spacing)
    finally:
        async with database.sessionmaker() as session, session.begin():
            await session.execute(delete(UpkeepRound))
