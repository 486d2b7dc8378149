"""Real concurrency on committed rows (no test transaction): racing refreshes with one token, one wins."""

import asyncio

import httpx
from fastapi import FastAPI

from api.accounts import sessions
from api.db import Database


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
