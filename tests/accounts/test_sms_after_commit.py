"""The SMS gateway is called after the sign-in code's challenge is committed, outside any transaction: a slow
gateway delays only the resident it is texting."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import delete, func, select

from api.db import Database
from api.main import create_app
from models import OtpChallenge, RefreshToken, UserAccount
from tests.accounts.gateway import running_gateway
from tests.conftest import app_settings

HELD_PHONE, OTHER_PHONE, OTHER_CODE = "13711110001", "13711110002", "135790"


@pytest.fixture
async def forget_the_phones(database: Database) -> AsyncIterator[None]:
    yield
    async with database.sessionmaker() as session, session.begin():
        other = select(UserAccount.id).where(UserAccount.phone == OTHER_PHONE).scalar_subquery()
        await session.execute(delete(RefreshToken).where(RefreshToken.user_id == other))
        await session.execute(delete(UserAccount).where(UserAccount.phone == OTHER_PHONE))
        await session.execute(delete(OtpChallenge).where(OtpChallenge.phone.in_([HELD_PHONE, OTHER_PHONE])))


async def _challenges_for(database: Database, phone: str) -> int:
    async with database.sessionmaker() as session:
        return await session.scalar(select(func.count()).where(OtpChallenge.phone == phone))


async def test_while_the_gateway_holds_one_code_another_resident_signs_in(
    database: Database, database_url: str, forget_the_phones: None
) -> None:
    with running_gateway() as (gateway, url):
        settings = app_settings(
            database_url,
            sms_sender="http",
            sms_gateway_url=url,
            sms_gateway_timeout_seconds=30,
            otp_test_numbers=f"{OTHER_PHONE}:{OTHER_CODE}",
        )
        app = create_app(settings)
        app.state.database = database
        gateway.mode = "hold"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            held = asyncio.create_task(client.post("/v1/auth/otp", json={"phone": HELD_PHONE}))
            try:
                assert await asyncio.to_thread(gateway.holding.wait, 30)
                # The challenge is already committed (another connection sees it) while its code is on its way.
                committed_while_sending = await _challenges_for(database, HELD_PHONE)
                asked = await client.post("/v1/auth/otp", json={"phone": OTHER_PHONE})
                signed_in = await client.post(
                    "/v1/auth/otp/verify", json={"challenge_id": asked.json().get("challenge_id"), "code": OTHER_CODE}
                )
                still_held = not held.done()
            finally:
                gateway.release.set()
            held_answer = await held
    assert committed_while_sending == 1
    assert asked.status_code == 202, asked.text
    assert signed_in.status_code == 200, signed_in.text
    assert still_held
    assert held_answer.status_code == 202
    assert gateway.messages[-1]["phone"] == HELD_PHONE


async def test_a_code_the_gateway_refused_leaves_no_challenge_committed(
    database: Database, database_url: str, forget_the_phones: None
) -> None:
    with running_gateway() as (gateway, url):
        app = create_app(app_settings(database_url, sms_sender="http", sms_gateway_url=url))
        app.state.database = database
        gateway.mode = "fail"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            answer = await client.post("/v1/auth/otp", json={"phone": HELD_PHONE})
    assert answer.status_code == 503 and answer.json()["code"] == "sms_unavailable"
    assert answer.headers["content-type"] == "application/problem+json"
    assert await _challenges_for(database, HELD_PHONE) == 0
