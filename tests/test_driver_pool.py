"""The PostgreSQL driver connections of public reads: bounded, reused, and surviving lost or cancelled reads
(that they refuse to write is tested on both databases in test_readers.py).

PostgreSQL only (these are asyncpg connections); CI always runs them (tests/databases.py)."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from api.readers import PostgresDriverReader
from tests.databases import POSTGRES_ADMIN_URL, configured_backends

BACKEND_PID = "SELECT pg_backend_pid() AS pid"


# Said rather than left to an empty parametrization, which pytest reports as "got empty parameter set".
pytestmark = pytest.mark.skipif(
    "postgresql" not in configured_backends(),
    reason="asyncpg connections exist on PostgreSQL only: set TEST_POSTGRES_URL (CI always does)",
)


@pytest.fixture
async def reader() -> AsyncIterator[PostgresDriverReader]:
    assert POSTGRES_ADMIN_URL
    engine = create_async_engine(POSTGRES_ADMIN_URL)
    pool = PostgresDriverReader(POSTGRES_ADMIN_URL, engine.dialect, max_size=2, database_key=engine.sync_engine)
    yield pool
    await pool.close()
    await engine.dispose()


async def _pid(reader: PostgresDriverReader) -> int:
    return (await reader.records(BACKEND_PID, [], limit_one=True))[0][0]


async def test_concurrent_reads_share_at_most_max_size_connections(reader: PostgresDriverReader) -> None:
    answers = await asyncio.gather(
        *(reader.records("SELECT pg_backend_pid(), pg_sleep(0.02)", [], limit_one=True) for _ in range(12))
    )
    assert len(answers) == 12
    assert 1 <= len({rows[0][0] for rows in answers}) <= 2


async def test_a_connection_is_reused_after_a_statement_error(reader: PostgresDriverReader) -> None:
    before = await _pid(reader)
    with pytest.raises(Exception, match="division by zero"):
        await reader.records("SELECT 1 / 0", [], limit_one=True)
    assert await _pid(reader) == before


async def test_a_read_on_a_terminated_connection_is_tried_once_more(reader: PostgresDriverReader) -> None:
    lost = await _pid(reader)
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lost})
    await admin.dispose()

    assert await _pid(reader) != lost


async def test_a_cancelled_read_frees_its_connection(reader: PostgresDriverReader) -> None:
    slow = [asyncio.create_task(reader.records("SELECT pg_sleep(5)", [], limit_one=True)) for _ in range(2)]
    await asyncio.sleep(0.2)
    for task in slow:
        task.cancel()
    await asyncio.gather(*slow, return_exceptions=True)

    # Both slots were taken by the cancelled reads: a read now proves they were given up.
    assert await asyncio.wait_for(_pid(reader), timeout=5) > 0
