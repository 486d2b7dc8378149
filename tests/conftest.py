"""Every database-backed test runs once per backend (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set),
on a database built by the migrations and loaded with the real seed, each test inside a rolled-back transaction.
"""

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.calendar import days as holiday_calendar
from api.config import Settings
from api.db import (
    Database,
    PublicRead,
    get_auth_session,
    get_public_read,
    get_read_session,
    get_session,
    unit_of_work,
)
from api.directory.places import open_now
from api.http import request_language
from api.lifecycle import migrate
from api.listings import write_hooks
from api.main import create_app
from api.prepared import SessionReader
from models import Feedback, UserAccount
from seed.loader import load_seed
from tests.accounts.conftest import STAFF_PASSWORD
from tests.databases import blank_database, configured_backends, configured_redis, configured_replica
from tests.photo_stores import s3_endpoint, store_settings  # noqa: F401  (s3_endpoint: a fixture)

# The read-replica tests need a replica of the PostgreSQL the tests use (CI makes one; see tests/databases.py).
collect_ignore = [] if configured_replica() else ["test_read_replica.py"]


def app_settings(database_url: str, **overrides: object) -> Settings:
    """Settings of a test app: its own rate-limit counters (on Redis when configured) and a cheap argon2 cost."""
    values: dict[str, object] = {
        "database_url": database_url,
        "app_env": "test",
        "redis_url": configured_redis(),
        "rate_limit_key_prefix": f"svcdir-test-{uuid.uuid4().hex}",
        "password_hash_memory_kib": 8192,
        "password_hash_time_cost": 1,
        "password_hash_parallelism": 1,
        "otp_test_numbers": "",
        "photo_storage_dir": Path(tempfile.mkdtemp(prefix="svcdir-test-photos-")),
        "held_imports_dir": Path(tempfile.mkdtemp(prefix="svcdir-test-held-imports-")),
        "feedback_housekeeping_seconds": 0,
    }
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture(scope="session", autouse=True)
def listing_write_hooks() -> None:
    """Listings written through a session without an app (the `session` fixture) keep their derived columns and
    search documents, as in the app."""
    write_hooks.install()


@pytest.fixture(scope="session", params=configured_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
async def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    async with blank_database(backend, tmp_path_factory.mktemp(backend)) as url:
        await asyncio.to_thread(migrate, url)
        database = Database(Settings(database_url=url, app_env="test"))
        async with database.sessionmaker() as session, session.begin():
            await load_seed(session)
        # The process serves the holiday calendar it read from its database, as the app does when it starts.
        await holiday_calendar.reload(database)
        await database.dispose()
        yield url


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    shared = Database(Settings(database_url=database_url, app_env="test"))
    yield shared
    await shared.dispose()


@pytest.fixture
async def engine(database: Database) -> AsyncEngine:
    return database.engine


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside an outer transaction that is rolled back, so no test sees another's writes."""
    async with engine.connect() as connection:
        outer = await connection.begin()
        test_session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False, autoflush=False
        )
        try:
            yield test_session
        finally:
            await test_session.close()
            await outer.rollback()
            # Opening schedules are learnt once per id, for good; on SQLite a rolled-back id is given again to the
            # next test's new schedule, which must not inherit the hours learnt for this one.
            open_now.forget_schedules(engine)


@pytest.fixture
async def calendar_of_database(database: Database) -> AsyncIterator[None]:
    """The seeded database's holiday calendar, served again after a test that loaded a year (its rows are rolled
    back with the test; what the process serves is not)."""
    await holiday_calendar.reload(database)
    yield
    await holiday_calendar.reload(database)


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(database: Database, database_url: str, session: AsyncSession) -> AppFactory:
    """Apps on the test's transaction; keyword arguments override settings (an SMS gateway, argon2 cost …)."""

    def build(**overrides: object) -> FastAPI:
        application = create_app(app_settings(database_url, **overrides))
        application.state.database = database

        async def session_in_test_transaction() -> AsyncIterator[AsyncSession]:
            # The same commit-or-rollback contract as api.db.get_session, on the test's savepoint.
            async with unit_of_work(session):
                yield session

        async def read_session_in_test_transaction() -> AsyncIterator[AsyncSession]:
            yield session

        application.dependency_overrides[get_session] = session_in_test_transaction
        application.dependency_overrides[get_read_session] = read_session_in_test_transaction
        application.dependency_overrides[get_auth_session] = read_session_in_test_transaction

        # Driver-level reads too run inside the test's transaction, so they see what the test wrote.
        @asynccontextmanager
        async def test_session() -> AsyncIterator[AsyncSession]:
            yield session

        async def public_read_in_test_transaction(request: Request) -> PublicRead:
            return PublicRead(SessionReader(session), request_language(request), test_session)

        application.dependency_overrides[get_public_read] = public_read_in_test_transaction
        return application

    return build


@pytest.fixture
def photo_store() -> str | None:
    """The photo store of the `app` and `live_app` fixtures: None, the backend's default; a test parametrized over
    `photo_store` (tests.photo_stores.STORES) runs on each store it names."""
    return None


@pytest.fixture
def app(make_app: AppFactory, request: pytest.FixtureRequest, photo_store: str | None) -> FastAPI:
    return make_app(**store_settings(request, photo_store))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
async def committed_resident(database: Database) -> AsyncIterator[int]:
    """A resident committed for real (for tests of concurrency across connections), removed afterwards with all
    that hangs on it."""
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        account = UserAccount(role="resident", phone="13944445555", created_at=now, updated_at=now)
        session.add(account)
        await session.flush()
        user_id = account.id
    yield user_id
    async with database.sessionmaker() as session, session.begin():
        await session.execute(delete(Feedback).where(Feedback.author_id == user_id))
        await session.execute(delete(UserAccount).where(UserAccount.id == user_id))


@pytest.fixture
def live_app(database: Database, database_url: str, request: pytest.FixtureRequest, photo_store: str | None) -> FastAPI:
    """An app on the shared test database with no test transaction: each request commits on its own connection."""
    application = create_app(app_settings(database_url, **store_settings(request, photo_store)))
    application.state.database = database
    return application


@pytest.fixture
async def live_client(live_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        yield client


@pytest.fixture
async def committed_reviewer(database: Database, live_app: FastAPI) -> AsyncIterator[UserAccount]:
    """A reviewer committed for real (its password: STAFF_PASSWORD), removed afterwards."""
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        account = UserAccount(
            role="reviewer",
            username=f"racing-reviewer-{uuid.uuid4().hex[:8]}",
            password_hash=await live_app.state.accounts.hasher.hash(STAFF_PASSWORD),
            created_at=now,
            updated_at=now,
        )
        session.add(account)
    yield account
    async with database.sessionmaker() as session, session.begin():
        await session.execute(delete(UserAccount).where(UserAccount.id == account.id))
