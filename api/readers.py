"""Pools of driver connections for public reads, outside SQLAlchemy's session and connection pool.

A place by id is a one-row primary-key read; through an `AsyncSession` most of its cost was the session, the
pool checkout and the greenlet bridge around a ~90 µs driver round trip (bench/README.md). Public reads need no
transaction, so they run here on the driver itself: an asyncpg pool on PostgreSQL, and on SQLite one read-only
connection used in the event loop's own thread — an indexed read takes microseconds there, less than the hop to
aiosqlite's thread would. Both only ever read (`default_transaction_read_only`, `PRAGMA query_only`).
"""

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Dialect
from sqlalchemy.engine import make_url

from api.prepared import Reader

# As for the engines (api.db): short OLTP queries, no parallel gathers or JIT.
POSTGRES_READ_SETTINGS = {
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
    "default_transaction_read_only": "on",
}


# Options of SQLAlchemy's asyncpg dialect, not of asyncpg: left in the DSN, asyncpg would send them to the server.
_DIALECT_ONLY_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")


def json_text(value: object) -> str:
    return orjson.dumps(value).decode()


async def _decode_json_columns(connection: asyncpg.Connection) -> None:
    # SQLAlchemy's asyncpg dialect decodes JSON in the driver and has no result processor for it; do the same.
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, schema="pg_catalog", encoder=json_text, decoder=orjson.loads, format="text"
        )


async def _nothing_to_reset(_connection: asyncpg.Connection) -> None:
    """These connections only run single read statements: no locks, cursors, listeners or settings are left behind
    (asyncpg's default reset is one more round trip per read)."""


class PostgresPoolReader:
    """An asyncpg pool opened on first use (in the event loop that serves the requests)."""

    def __init__(self, url: str, dialect: Dialect, *, max_size: int, database_key: object) -> None:
        self.dialect = dialect
        self.database_key = database_key
        parsed = make_url(url).set(drivername="postgresql").difference_update_query(_DIALECT_ONLY_OPTIONS)
        self._dsn = parsed.render_as_string(hide_password=False)
        self._max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def _opened(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self._dsn,
                        min_size=1,
                        max_size=self._max_size,
                        server_settings=POSTGRES_READ_SETTINGS,
                        init=_decode_json_columns,
                        reset=_nothing_to_reset,
                        # Idle connections go back soon: they count against the server's max_connections.
                        max_inactive_connection_lifetime=60,
                    )
        return self._pool

    async def records(self, sql: str, arguments: list[Any], *, limit_one: bool) -> Sequence[Sequence[Any]]:
        pool = await self._opened()
        if limit_one:
            record = await pool.fetchrow(sql, *arguments)
            return [] if record is None else [record]
        return await pool.fetch(sql, *arguments)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


class SqliteReader:
    """One read-only connection, used in the event loop's thread: a read never waits for a writer in WAL mode."""

    def __init__(self, url: str, dialect: Dialect, *, database_key: object) -> None:
        self.dialect = dialect
        self.database_key = database_key
        self._path = make_url(url).database or ":memory:"
        self._connection: sqlite3.Connection | None = None

    def _opened(self) -> sqlite3.Connection:
        if self._connection is None:
            if self._path != ":memory:" and not Path(self._path).exists():
                raise sqlite3.OperationalError(f"no database at {self._path}")
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA query_only=ON")
            connection.execute("PRAGMA busy_timeout=10000")
            self._connection = connection
        return self._connection

    async def records(self, sql: str, arguments: list[Any], *, limit_one: bool) -> Sequence[Sequence[Any]]:
        cursor = self._opened().execute(sql, arguments)
        try:
            return cursor.fetchmany(1) if limit_one else cursor.fetchall()
        finally:
            cursor.close()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def reader_for(
    url: str, dialect: Dialect, *, pool_size: int, database_key: object
) -> "PostgresPoolReader | SqliteReader":
    """`database_key`: the engine of the same database, so that per-database caches are shared with its sessions."""
    if dialect.name == "postgresql":
        return PostgresPoolReader(url, dialect, max_size=pool_size, database_key=database_key)
    return SqliteReader(url, dialect, database_key=database_key)


__all__ = ["PostgresPoolReader", "Reader", "SqliteReader", "reader_for"]
