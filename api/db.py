"""Async engines and the per-request session: one transaction per request, committed or rolled back here only."""

import asyncio
import fcntl
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Request
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from api.config import Settings
from api.errors import AppError, NotFound
from api.http import Language, request_language
from api.prepared import Reader
from api.readers import ReplicaOrPrimary, json_text, reader_for

ModelT = TypeVar("ModelT")
T = TypeVar("T")


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL + FULL sync + foreign keys, and real BEGIN so that savepoints and transactional DDL work."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # The driver's own implicit transactions would hide SAVEPOINTs; we issue BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        # IMMEDIATE takes the write lock at once: a transaction that read first and wrote later could
        # otherwise fail with SQLITE_BUSY when another writer committed in between, instead of waiting.
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# Short OLTP queries: starting parallel workers or JIT-compiling costs more than the query (bench/README.md).
POSTGRES_SESSION_SETTINGS = {"max_parallel_workers_per_gather": "0", "jit": "off"}
# How long a process waits for the replica to replay a change it was told of, and how often it looks.
REPLICA_WAIT_SECONDS = 30.0
REPLICA_POLL_SECONDS = 0.05


def create_engine_for(url: str, *, pool_size: int = 10, echo: bool = False, **options: Any) -> AsyncEngine:
    """An engine whose errors and echo never show bound values (hide_parameters): they hold residents' phone numbers
    and codes, and a failed statement's error is logged."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers run side by side, each connection on its own aiosqlite thread: size the pool as for
        # PostgreSQL rather than SQLAlchemy's default of 5 (+10), which made requests queue for a connection.
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            json_serializer=json_text,
            json_deserializer=orjson.loads,
            **options,
        )
        _configure_sqlite(engine)
        return engine
    # No pre-ping: it costs a round trip per request; recycling and the pool's own error handling suffice.
    return create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        json_serializer=json_text,
        json_deserializer=orjson.loads,
        connect_args={"server_settings": POSTGRES_SESSION_SETTINGS},
        **options,
    )


class Database:
    """The engines of one running app (kept on `app.state.database`)."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine_for(
            settings.database_url, pool_size=settings.database_pool_size, echo=settings.database_echo
        )
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # Reads that need no transaction of their own: each statement stands alone, which saves the BEGIN and
        # COMMIT round trips. Their own pool: with no transaction there is nothing to roll back when a connection
        # is returned, which saves one more round trip (a thread hop on SQLite) per request.
        self.read_engine = create_engine_for(
            settings.database_url,
            pool_size=settings.database_pool_size,
            echo=settings.database_echo,
            pool_reset_on_return=None,
        ).execution_options(isolation_level="AUTOCOMMIT")
        # On the primary: who is signing in, with which role, and whatever callers read of their own (their
        # account, their feedback, what they manage) is there the moment after they wrote it, whatever a replica's
        # lag, and disabling an account or changing a role takes effect on the very next request.
        self.read_sessionmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        # Public reads (`PublicRead`) may lag a little: a replica takes them when DATABASE_READ_URL is set, the
        # primary while the replica does not answer (api.readers.ReplicaOrPrimary).
        self.replica = (
            ReplicaOrPrimary(
                settings.database_read_url,
                settings.database_url,
                retry_seconds=settings.database_read_retry_seconds,
                connect_timeout_seconds=settings.database_read_connect_timeout_seconds,
            )
            if settings.database_read_url
            else None
        )
        self.public_engine = (
            self.read_engine
            if self.replica is None or not settings.database_read_url
            else self._replica_engine(settings.database_read_url, settings, self.replica)
        )
        self.public_sessionmaker = async_sessionmaker(self.public_engine, expire_on_commit=False, autoflush=False)
        # The hottest public reads skip the session altogether (api.readers).
        self.reader = reader_for(
            settings.database_read_url or settings.database_url,
            self.public_engine.dialect,
            pool_size=settings.database_pool_size,
            database_key=self.public_engine.sync_engine,
            replica=self.replica,
        )

    @staticmethod
    def _replica_engine(url: str, settings: Settings, replica: ReplicaOrPrimary) -> AsyncEngine:
        """Autocommit sessions for the public reads that are not prepared, connected through `replica`."""

        async def connect() -> Any:
            return await replica.connect(server_settings=POSTGRES_SESSION_SETTINGS)

        engine = create_engine_for(
            url,
            pool_size=settings.database_pool_size,
            echo=settings.database_echo,
            pool_reset_on_return=None,
            async_creator=connect,
        )

        @event.listens_for(engine.sync_engine.pool, "checkout")
        def _replace_if_due(dbapi_connection, _record, _proxy):  # noqa: ANN001
            # The pool then opens a new connection in its place (through `replica.connect`).
            if replica.should_replace(dbapi_connection.driver_connection):
                raise DisconnectionError("a public read connection to be replaced (replica stopped, or back)")

        return engine.execution_options(isolation_level="AUTOCOMMIT")

    async def ping(self, timeout_seconds: float = 2.0) -> None:
        async def _select_one() -> None:
            async with self.engine.connect() as connection:
                # Outside a transaction: a probe must not queue behind a writer for SQLite's write lock.
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.execute(text("SELECT 1"))

        await asyncio.wait_for(_select_one(), timeout=timeout_seconds)

    async def replica_caught_up(self, timeout_seconds: float = REPLICA_WAIT_SECONDS) -> bool:
        """Wait until the server of the public reads has replayed what the primary has written so far: at once
        without a replica, or while public reads fall back on the primary. False when it did not within the time."""
        if self.replica is None:
            return True
        async with self.engine.connect() as connection:
            written = (await connection.execute(text("SELECT pg_current_wal_lsn()::text"))).scalar()
        replayed = text("SELECT coalesce(pg_last_wal_replay_lsn() >= CAST(CAST(:lsn AS text) AS pg_lsn), true)")
        deadline = time.monotonic() + timeout_seconds
        while True:
            async with self.public_engine.connect() as connection:
                if (await connection.execute(replayed, {"lsn": written})).scalar():
                    return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(REPLICA_POLL_SECONDS)

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.read_engine.dispose()
        if self.public_engine is not self.read_engine:
            await self.public_engine.dispose()
        await self.reader.close()


_AFTER_COMMIT = "svcdir_after_commit"


def after_commit(session: AsyncSession, action: Callable[[], Awaitable[None]]) -> None:
    """Run `action` once the session's work is committed, outside any transaction: a call to another service (the
    SMS gateway) must not hold the database's locks or a connection while it waits. Nothing runs when the work is
    rolled back; an error the action raises is the request's answer (its own clean-up takes a unit of work)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


@asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit when the work finishes, roll back when it raises: the only place requests commit. Then the actions
    registered with `after_commit` run, in order."""
    try:
        yield session
    except AppError as error:
        session.info.pop(_AFTER_COMMIT, None)  # the work failed: what was to follow it does not happen
        await (session.commit() if error.keeps_changes else session.rollback())
        raise
    except Exception:
        session.info.pop(_AFTER_COMMIT, None)
        await session.rollback()
        raise
    else:
        await session.commit()
    for action in session.info.pop(_AFTER_COMMIT, []):
        await action()


async def attempt(session: AsyncSession, work: Awaitable[T]) -> tuple[T | None, AppError | None]:
    """Run `work` in a savepoint: its result, or the `AppError` it raised with its writes undone (those an error
    `keeps_changes` stay) and its after-commit actions dropped, so that a page can show the error beside the form
    that caused it and the request still commits what came before."""
    pending = list(session.info.get(_AFTER_COMMIT, []))
    savepoint = await session.begin_nested()
    try:
        result = await work
    except AppError as error:
        await (savepoint.commit() if error.keeps_changes else savepoint.rollback())
        session.info[_AFTER_COMMIT] = pending
        return None, error
    await savepoint.commit()
    return result, None


# Keys of PostgreSQL advisory locks that several instances of the app take: one number per kind of work.
MIGRATION_LOCK = 7_301_001
UPKEEP_LOCK = 7_301_002


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@asynccontextmanager
async def cluster_lock(database_url: str, key: int) -> AsyncIterator[None]:
    """Hold the cluster-wide lock `key` while the block runs: instances starting together on one PostgreSQL wait
    for one another here. On its own connection (outside any transaction of the work), released when the block
    ends, or by the server should this process die. On an embedded SQLite file: a lock file beside it."""
    if not is_postgresql(database_url):
        async with _file_lock(database_url, key):
            yield
        return
    engine = create_async_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    finally:
        await engine.dispose()


@asynccontextmanager
async def _file_lock(database_url: str, key: int) -> AsyncIterator[None]:
    """Processes on one machine sharing an embedded SQLite file take turns by a lock file beside it."""
    database = make_url(database_url).database
    if not database or database == ":memory:":
        yield
        return
    path = Path(database).with_name(f"{Path(database).name}.{key}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a")
    try:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing the file releases the lock


async def take_turn(session: AsyncSession, key: int) -> bool:
    """Whether this transaction may do the work of `key` now, no other instance doing it (PostgreSQL: a lock held
    to the transaction's end). On SQLite the write lock each transaction takes at its start already makes workers
    take turns: always."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool((await session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})).scalar())


async def get_or_404(session: AsyncSession, model: type[ModelT], key: object, what: str) -> ModelT:
    """The row with this primary key, or a 404 that names what was asked for."""
    row = await session.get(model, key)
    if row is None:
        raise NotFound(f"there is no {what} {key}")
    return row


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.sessionmaker() as session, unit_of_work(session):
        yield session


@asynccontextmanager
async def _read_session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    session = sessionmaker()
    try:
        yield session
    finally:
        # Most public reads run on the driver-level reader and never touch their session: one that never began
        # holds no connection and no objects, and closing it anyway was a measurable cost on the hottest routes
        # (bench/README.md).
        if session.in_transaction():
            await session.close()


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For routes that only read: autocommit on the primary, nothing to commit or roll back, and what the caller
    has just written is there. Public reads that may lag behind take `PublicReadDep` instead."""
    async with _read_session(request.app.state.database.read_sessionmaker) as session:
        yield session


async def get_auth_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For resolving the caller's account: the same autocommit reads on the primary as `get_read_session`, as a
    dependency of its own so that the account check gets a session apart from the one the route reads with."""
    async with _read_session(request.app.state.database.read_sessionmaker) as session:
        yield session


@dataclass(frozen=True)
class PublicRead:
    """What the hottest public routes need, as one plain dependency (FastAPI's time on each dependency, more on one
    with clean-up, showed on these routes: bench/README.md): the driver-level reader, the answer's language, and
    read sessions for the reads that are not prepared.

    `session()` is for `async with`: the session connects, and needs closing, only if a statement runs on it.
    """

    reader: Reader
    language: Language
    session: Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def get_public_read(request: Request) -> PublicRead:
    database: Database = request.app.state.database
    return PublicRead(
        database.reader, request_language(request), functools.partial(_read_session, database.public_sessionmaker)
    )


# "function" scope commits before the response is sent, so a failed commit is never answered with 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
AuthSessionDep = Annotated[AsyncSession, Depends(get_auth_session, scope="function")]
PublicReadDep = Annotated[PublicRead, Depends(get_public_read)]
