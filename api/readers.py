"""Pools of driver connections for public reads, outside SQLAlchemy's session and connection pool.

A place by id is a one-row primary-key read; through an `AsyncSession` most of its cost was the session, the
pool checkout and the greenlet bridge around a much cheaper driver round trip (bench/README.md). Public reads need no
transaction, so they run here on the driver itself: a few asyncpg connections on PostgreSQL, and on SQLite one
read-only connection used in the event loop's own thread — an indexed read takes microseconds there, less than the
hop to aiosqlite's thread would. Both only ever read (`default_transaction_read_only`, `PRAGMA query_only`).
"""

import asyncio
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import structlog
from sqlalchemy import Dialect
from sqlalchemy.engine import make_url

from api.prepared import Reader

logger = structlog.get_logger(__name__)

# As for the engines (api.db): short OLTP queries, no parallel gathers or JIT.
POSTGRES_READ_SETTINGS = {
    "max_parallel_workers_per_gather": "0",
    "jit": "off",
    "default_transaction_read_only": "on",
    # Every read run here is built to start from an index (a key, the map's box, a word). The planner guesses
    # words scoped to a map cell or a district to be far commoner than they are, and would then read every index
    # row: seconds instead of milliseconds (bench/README.md).
    "enable_seqscan": "off",
}


# Options of SQLAlchemy's asyncpg dialect, not of asyncpg: left in the DSN, asyncpg would send them to the server.
_DIALECT_ONLY_OPTIONS = ("prepared_statement_cache_size", "prepared_statement_name_func")


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL (`postgresql+asyncpg://…`) as asyncpg itself takes it."""
    parsed = make_url(url).set(drivername="postgresql").difference_update_query(_DIALECT_ONLY_OPTIONS)
    return parsed.render_as_string(hide_password=False)


def json_text(value: object) -> str:
    return orjson.dumps(value).decode()


async def _decode_json_columns(connection: asyncpg.Connection) -> None:
    # SQLAlchemy's asyncpg dialect decodes JSON in the driver and has no result processor for it; do the same.
    for type_name in ("json", "jsonb"):
        await connection.set_type_codec(
            type_name, schema="pg_catalog", encoder=json_text, decoder=orjson.loads, format="text"
        )


_CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    ConnectionError,
    # An idle connection whose backend was terminated can be taken before asyncpg has read the server's
    # goodbye: the next statement then finds the protocol busy with it ("cannot switch to state …").
    asyncpg.exceptions.InternalClientError,
)


class PrimaryFallbackConnection(asyncpg.Connection):
    """A connection to the primary, opened for public reads while the replica did not answer."""

    __slots__ = ("opened_at",)  # time.monotonic()


# A replica that is stopped, starting, unreachable, or does not have the database yet.
_REPLICA_UNREACHABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


class ReplicaOrPrimary:
    """Where public reads connect: the replica (DATABASE_READ_URL) while it answers. When connecting to it fails they
    connect to the primary instead, for `retry_seconds`, so that not every request waits for a replica that is down;
    then the replica is tried again. One per app, shared by the read engine and the driver-level reader.

    Connections are opened here; pools ask `should_replace` before handing one out, so that those left on a stopped
    replica, or on the primary once the replica is to be tried again, are replaced rather than used."""

    def __init__(
        self, replica_url: str, primary_url: str, *, retry_seconds: float, connect_timeout_seconds: float
    ) -> None:
        self._replica_dsn = asyncpg_dsn(replica_url)
        self._primary_dsn = asyncpg_dsn(primary_url)
        self._retry_seconds = retry_seconds
        self._connect_timeout_seconds = connect_timeout_seconds
        self._avoid_until: float | None = None  # monotonic time; None: the replica answered last time

    @property
    def replica_preferred(self) -> bool:
        return self._avoid_until is None or time.monotonic() >= self._avoid_until

    def should_replace(self, connection: asyncpg.Connection) -> bool:
        """Closed (the replica stopped, say), or opened on the primary before the replica was due to be tried again
        and it is now: its replacement tries the replica (and, should that fail, is itself kept until next time)."""
        if connection.is_closed():
            return True
        # Not isinstance: asyncpg's connection class counts every asyncpg connection as an instance of its subclasses.
        if type(connection) is not PrimaryFallbackConnection:
            return False
        return self._avoid_until is None or connection.opened_at < self._avoid_until <= time.monotonic()

    async def connect(self, **options: Any) -> asyncpg.Connection:
        if self.replica_preferred:
            try:
                connection = await asyncpg.connect(self._replica_dsn, timeout=self._connect_timeout_seconds, **options)
            except _REPLICA_UNREACHABLE as error:
                self._fall_back(error)
            else:
                self._replica_answered()
                return connection
        connection = await asyncpg.connect(self._primary_dsn, connection_class=PrimaryFallbackConnection, **options)
        connection.opened_at = time.monotonic()
        return connection

    async def probe(self) -> bool:
        """Whether public reads go to the replica now (for /readyz): connects to it unless it is being avoided."""
        if not self.replica_preferred:
            return False
        try:
            connection = await asyncpg.connect(self._replica_dsn, timeout=self._connect_timeout_seconds)
        except _REPLICA_UNREACHABLE as error:
            self._fall_back(error)
            return False
        connection.terminate()
        self._replica_answered()
        return True

    def _fall_back(self, error: BaseException) -> None:
        self._avoid_until = time.monotonic() + self._retry_seconds
        logger.warning(
            "read_replica_unreachable",
            error=f"{type(error).__name__}: {error}",
            public_reads_on="primary",
            retry_in_seconds=self._retry_seconds,
        )

    def _replica_answered(self) -> None:
        if self._avoid_until is not None:
            self._avoid_until = None
            logger.info("read_replica_back", public_reads_on="replica")


class _ConnectionSlots:
    """At most `max_size` asyncpg connections, the idle ones kept most-recently-used first.

    asyncpg's own pool costs CPU on every read (its acquire, a proxy per use, and
    a release run as a separate task with a reset round trip) — more than the primary-key read it wraps
    (bench/README.md). These connections only ever run single read statements, so taking one is popping a list.
    """

    def __init__(
        self,
        connect: Callable[[], Awaitable[asyncpg.Connection]],
        max_size: int,
        should_replace: Callable[[asyncpg.Connection], bool] = asyncpg.Connection.is_closed,
    ) -> None:
        self._connect = connect
        self._should_replace = should_replace
        self._max_size = max_size
        self._idle: list[asyncpg.Connection] = []
        self._opened = 0
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()

    async def take(self) -> asyncpg.Connection:
        while True:
            while self._idle:
                connection = self._idle.pop()
                if not self._should_replace(connection):
                    return connection
                connection.terminate()
                self._opened -= 1
            if self._opened < self._max_size:
                self._opened += 1
                try:
                    return await self._connect()
                except BaseException:
                    self._opened -= 1
                    self._wake_one(None)
                    raise
            waiter: asyncio.Future[asyncpg.Connection | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled() and waiter.result() is not None:
                    self.give_back(waiter.result())
                raise
            if handed is not None:
                return handed
            # None: a connection was dropped, so there is room to open one; look again.

    def give_back(self, connection: asyncpg.Connection) -> None:
        if not self._wake_one(connection):
            self._idle.append(connection)

    def drop(self, connection: asyncpg.Connection) -> None:
        """For a connection in an unknown state (lost, or a read cancelled halfway): close it, free its slot."""
        connection.terminate()
        self._opened -= 1
        self._wake_one(None)

    def _wake_one(self, connection: asyncpg.Connection | None) -> bool:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return True
        return False

    @property
    def in_use(self) -> int:
        """Connections handed out and not yet given back (or being opened)."""
        return self._opened - len(self._idle)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        self._opened -= len(idle)
        await asyncio.gather(*(connection.close() for connection in idle), return_exceptions=True)


class PostgresDriverReader:
    """Read-only asyncpg connections, opened as needed (in the event loop that serves the requests)."""

    def __init__(
        self,
        url: str,
        dialect: Dialect,
        *,
        max_size: int,
        database_key: object,
        replica: ReplicaOrPrimary | None = None,
    ) -> None:
        """`replica`: connect through it (`url` is then unused) rather than to `url`."""
        self.dialect = dialect
        self.database_key = database_key
        self._dsn = asyncpg_dsn(url)
        self._replica = replica
        if replica is None:
            self._slots = _ConnectionSlots(self._connect, max_size)
        else:
            self._slots = _ConnectionSlots(self._connect, max_size, replica.should_replace)

    async def _connect(self) -> asyncpg.Connection:
        if self._replica is None:
            connection = await asyncpg.connect(self._dsn, server_settings=POSTGRES_READ_SETTINGS)
        else:
            connection = await self._replica.connect(server_settings=POSTGRES_READ_SETTINGS)
        await _decode_json_columns(connection)
        return connection

    async def records(self, sql: str, arguments: list[Any], *, limit_one: bool) -> Sequence[Sequence[Any]]:
        try:
            return await self._read(sql, arguments, limit_one=limit_one)
        except _CONNECTION_LOST:
            # Lost while idle (a server restart, a terminated backend): a read can simply be tried again.
            return await self._read(sql, arguments, limit_one=limit_one)

    async def _read(self, sql: str, arguments: list[Any], *, limit_one: bool) -> Sequence[Sequence[Any]]:
        connection = await self._slots.take()
        try:
            if limit_one:
                record = await connection.fetchrow(sql, *arguments)
                records: Sequence[Sequence[Any]] = [] if record is None else [record]
            else:
                records = await connection.fetch(sql, *arguments)
        except _CONNECTION_LOST:
            self._slots.drop(connection)
            raise
        except asyncpg.PostgresError:
            # The server refused this statement; the connection itself is fine.
            self._slots.give_back(connection)
            raise
        except BaseException:
            # Cancelled halfway, or a failure of the driver: the connection's state is unknown.
            self._slots.drop(connection)
            raise
        self._slots.give_back(connection)
        return records

    @property
    def connections_in_use(self) -> int:
        return self._slots.in_use

    async def close(self) -> None:
        await self._slots.close()


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
    url: str, dialect: Dialect, *, pool_size: int, database_key: object, replica: ReplicaOrPrimary | None = None
) -> "PostgresDriverReader | SqliteReader":
    """`database_key`: the engine of the same database, so that per-database caches are shared with its sessions.
    `replica`: on PostgreSQL, read from the replica while it answers."""
    if dialect.name == "postgresql":
        return PostgresDriverReader(url, dialect, max_size=pool_size, database_key=database_key, replica=replica)
    return SqliteReader(url, dialect, database_key=database_key)


__all__ = ["PostgresDriverReader", "Reader", "ReplicaOrPrimary", "SqliteReader", "reader_for"]
