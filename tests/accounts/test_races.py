"""Sign-in limits, refresh-token rotation and the last admin hold when requests race, on committed rows and real
connections.

Each test forces the race (tests/races.py): every racing request is held just after its check until all of them
have passed it, so code that checks and then acts in two steps lets all of them through on every run.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from api.accounts import sessions
from api.accounts.staff import FAILURES_PER_ACCOUNT
from api.db import Database
from models import AuditEntry, UserAccount
from tests.accounts.conftest import STAFF_PASSWORD, bearer
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


@pytest.fixture
async def two_committed_admins(database: Database, live_app: FastAPI) -> AsyncIterator[tuple[int, int]]:
    now = datetime.now(UTC)
    password_hash = await live_app.state.accounts.hasher.hash(STAFF_PASSWORD)
    async with database.sessionmaker() as session, session.begin():
        admins = [
            UserAccount(
                role="admin",
                username=f"racing-admin-{uuid.uuid4().hex[:8]}",
                password_hash=password_hash,
                created_at=now,
                updated_at=now,
            )
            for _ in range(2)
        ]
        session.add_all(admins)
        await session.flush()
        ids = (admins[0].id, admins[1].id)
    yield ids
    async with database.sessionmaker() as session, session.begin():
        await session.execute(
            delete(AuditEntry).where(
                AuditEntry.object_type == "user", AuditEntry.object_id.in_([str(key) for key in ids])
            )
        )
        await session.execute(delete(UserAccount).where(UserAccount.id.in_(ids)))


async def _active_admins(database: Database) -> int:
    async with database.sessionmaker() as session:
        return await session.scalar(select(func.count()).where(UserAccount.role == "admin", UserAccount.is_active))


async def test_two_admins_removing_each_other_at_once_leave_one_admin(
    live_app: FastAPI, database: Database, two_committed_admins: tuple[int, int]
) -> None:
    first, second = two_committed_admins
    assert await _active_admins(database) == 2
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        with racing("last_admin", parties=2):
            answers = await all_answers(
                client.patch(f"/v1/admin/users/{second}", json={"role": "reviewer"}, headers=bearer(live_app, first)),
                client.patch(f"/v1/admin/users/{first}", json={"active": False}, headers=bearer(live_app, second)),
            )
    assert sorted((answer.status_code, answer.json().get("code")) for answer in answers) == [
        (200, None),
        (409, "last_admin"),
    ], [answer.text for answer in answers]
    assert await _active_admins(database) == 1
