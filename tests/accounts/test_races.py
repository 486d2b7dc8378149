"""Sign-in limits and refresh-token rotation hold when requests race, on committed rows and real connections.

Each test forces the race (tests/races.py): every racing request is held just after its check until all of them
have passed it, so code that checks and then acts in two steps lets all of them through on every run.
"""

import httpx
from fastapi import FastAPI

from api.accounts import sessions
from api.accounts.staff import FAILURES_PER_ACCOUNT
from api.db import Database
from models import UserAccount
from tests.races import all_answers, racing


async def test_five_refreshes_racing_with_one_token_let_exactly_one_through(
    live_app: FastAPI, database: Database, committed_resident: int
) -> None:
    async with database.sessionmaker() as session, session.begin():
        pair = await sessions.start(session, live_app.state.accounts.tokens, committed_resident)
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with racing("refresh_token.claim", parties=5):
            answers = await all_answers(
                *(client.post("/v1/auth/refresh", json={"refresh_token": pair.refresh_token}) for _ in range(5))
            )
    assert sorted(answer.status_code for answer in answers) == [200, 401, 401, 401, 401], [a.text for a in answers]
    assert {answer.json()["code"] for answer in answers if answer.status_code == 401} <= {
        "refresh_token_reused",
        "invalid_token",
    }


async def test_thirty_wrong_passwords_at_once_are_checked_five_times_then_throttled(
    live_app: FastAPI, committed_reviewer: UserAccount
) -> None:
    budget = FAILURES_PER_ACCOUNT.limit.amount
    transport = httpx.ASGITransport(app=live_app, client=("192.0.2.77", 4321))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with racing("staff_sign_in", parties=30):
            answers = await all_answers(
                *(
                    client.post(
                        "/v1/auth/login", json={"username": committed_reviewer.username, "password": f"wrong-{n}"}
                    )
                    for n in range(30)
                )
            )
    codes = sorted(answer.json()["code"] for answer in answers)
    assert codes == ["invalid_credentials"] * budget + ["rate_limited"] * (30 - budget)
