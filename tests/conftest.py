"""Every database-backed test runs once per backend (SQLite always, PostgreSQL when TEST_POSTGRES_URL is set),
on a database built by the migrations and loaded with the real seed, each test inside a rolled-back transaction.
"""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.config import Settings
from api.db import Database, get_read_session, get_session, unit_of_work
from api.lifecycle import migrate
from api.main import create_app
from seed.loader import load_seed
from tests.databases import blank_database, configured_backends


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


@pytest.fixture
def app(database: Database, database_url: str, session: AsyncSession) -> FastAPI:
    application = create_app(Settings(database_url=database_url, app_env="test"))
    application.state.database = database

    async def session_in_test_transaction() -> AsyncIterator[AsyncSession]:
        # The same commit-or-rollback contract as api.db.get_session, on the test's savepoint.
        async with unit_of_work(session):
            yield session

    async def read_session_in_test_transaction() -> AsyncIterator[AsyncSession]:
        yield session

    application.dependency_overrides[get_session] = session_in_test_transaction
    application.dependency_overrides[get_read_session] = read_session_in_test_transaction
    return application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client
