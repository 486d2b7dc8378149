"""Real concurrency on committed rows (no test transaction): racing refreshes with one token, one wins."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from api.accounts import sessions
from api.db import Database
from api.main import create_app
from models import UserAccount
from tests.conftest import app_settings


@pytest.fixture
async def live_app(database: Database, database_url: str) -> AsyncIterator[FastAPI]:
    application = create_app(app_settings(database_url))
    application.state.database = database
    yield application


@pytest.fixture
async def committed_resident(database: Database) -> AsyncIterator[int]:
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        account = UserAccount(role="resident", phone="13933334444", created_at=now, updated_at=now)
        session.add(account)
        await session.flush()
        user_id = account.id
    yield user_id
    async with database.sessionmaker() as session, session.begin():
        await session.execute(delete(UserAccount).where(UserAccount.id == user_id))


async def test_two_refreshes_racing_with_one_token_let_exactly_one_through(
    live_app: FastAPI, database: Database, committed_resident: int
) -> None:
    async with database.sessionmaker() as session, session.begin():
        pair = await sessions.start(session, live_app.state.accounts.tokens, committed_resident)
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answers = await asyncio.gather(
            *(client.post("/v1/auth/refresh", json={"refresh_token": pair.refresh_token}) for _ in range(2))
        )
    assert sorted(answer.status_code for answer in answers) == [200, 401]
