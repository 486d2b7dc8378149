"""Residents sign in with an SMS code: sent through a real HTTP gateway, single use, five tries, rate limited."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import OtpChallenge, UserAccount
from tests.accounts.gateway import running_gateway
from tests.conftest import AppFactory

TEST_PHONE, TEST_CODE = "13800138000", "246810"


def _client(app, address: str = "127.0.0.1") -> httpx.AsyncClient:  # noqa: ANN001
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 40000)), base_url="http://t")


async def _sign_in(client: httpx.AsyncClient, phone: str, code: str) -> httpx.Response:
    challenge = (await client.post("/v1/auth/otp", json={"phone": phone})).json()
    return await client.post("/v1/auth/otp/verify", json={"challenge_id": challenge["challenge_id"], "code": code})


async def test_a_code_from_the_gateway_signs_a_new_resident_in_and_the_same_account_next_time(
    make_app: AppFactory, session: AsyncSession
) -> None:
    with running_gateway() as (gateway, url):
        app = make_app(sms_sender="http", sms_gateway_url=url, sms_gateway_token="gw-secret")
        async with _client(app) as client:
            sent = await client.post("/v1/auth/otp", json={"phone": "+86 139-1234-5678"})
            assert sent.status_code == 202
            assert set(sent.json()) == {"challenge_id", "expires_in"} and sent.json()["expires_in"] == 600
            message = gateway.messages[-1]
            assert message["phone"] == "13912345678" and gateway.authorization == "Bearer gw-secret"
            code = "".join(ch for ch in message["message"] if ch.isdigit())[:6]
            stored = await session.get(OtpChallenge, sent.json()["challenge_id"])
            assert stored is not None and code not in stored.code_hash  # kept only as a keyed hash

            verified = await client.post(
                "/v1/auth/otp/verify", json={"challenge_id": sent.json()["challenge_id"], "code": code}
            )
            assert verified.status_code == 200, verified.text
            tokens = verified.json()
            assert tokens["token_type"] == "bearer" and tokens["expires_in"] <= 900
            me = (await client.get("/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})).json()
            assert me["role"] == "resident" and me["phone"] == "13912345678"

            again = await client.post(
                "/v1/auth/otp/verify", json={"challenge_id": sent.json()["challenge_id"], "code": code}
            )
            assert again.status_code == 401 and again.json()["code"] == "invalid_code"  # single use

            second = await client.post("/v1/auth/otp", json={"phone": "13912345678"})
            code = "".join(ch for ch in gateway.messages[-1]["message"] if ch.isdigit())[:6]
            verified = await client.post(
                "/v1/auth/otp/verify", json={"challenge_id": second.json()["challenge_id"], "code": code}
            )
            me_again = (
                await client.get("/v1/me", headers={"Authorization": f"Bearer {verified.json()['access_token']}"})
            ).json()
    assert me_again["id"] == me["id"]
    assert await session.scalar(select(func.count()).where(UserAccount.phone == "13912345678")) == 1


async def test_the_answer_is_the_same_for_a_known_and_an_unknown_phone(make_app: AppFactory, make_resident) -> None:  # noqa: ANN001
    await make_resident("13700001111")
    app = make_app(otp_test_numbers=f"{TEST_PHONE}:{TEST_CODE}")
    async with _client(app) as client:
        known = await client.post("/v1/auth/otp", json={"phone": "13700001111"})
        unknown = await client.post("/v1/auth/otp", json={"phone": "13700002222"})
    assert known.status_code == unknown.status_code == 202
    assert known.json().keys() == unknown.json().keys()
    assert known.json()["expires_in"] == unknown.json()["expires_in"]
    assert known.headers.keys() == unknown.headers.keys()


async def test_a_malformed_phone_is_a_422_problem(client: httpx.AsyncClient) -> None:
    for phone in ("12345678901", "1380013800", "phone-number", "+1 415 555 0100"):
        answer = await client.post("/v1/auth/otp", json={"phone": phone})
        assert answer.status_code == 422, phone
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "validation_failed"


async def test_five_wrong_codes_kill_the_challenge(make_app: AppFactory) -> None:
    app = make_app(otp_test_numbers=f"{TEST_PHONE}:{TEST_CODE}")
    async with _client(app) as client:
        challenge_id = (await client.post("/v1/auth/otp", json={"phone": TEST_PHONE})).json()["challenge_id"]
        details = []
        for wrong in ("000001", "000002", "000003", "000004", "000005"):
            answer = await client.post("/v1/auth/otp/verify", json={"challenge_id": challenge_id, "code": wrong})
            assert answer.status_code == 401 and answer.json()["code"] == "invalid_code"
            details.append(answer.json()["detail"])
        right = await client.post("/v1/auth/otp/verify", json={"challenge_id": challenge_id, "code": TEST_CODE})
    assert details[0].endswith("4 tries left") and details[3].endswith("1 tries left")
    assert right.status_code == 401 and "too many wrong tries" in right.json()["detail"]


async def test_an_expired_code_is_refused(make_app: AppFactory, session: AsyncSession) -> None:
    app = make_app(otp_test_numbers=f"{TEST_PHONE}:{TEST_CODE}")
    async with _client(app) as client:
        challenge_id = (await client.post("/v1/auth/otp", json={"phone": TEST_PHONE})).json()["challenge_id"]
        await session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.id == challenge_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
        answer = await client.post("/v1/auth/otp/verify", json={"challenge_id": challenge_id, "code": TEST_CODE})
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_code"


async def test_test_numbers_need_no_sms_and_accept_their_fixed_code(make_app: AppFactory) -> None:
    with running_gateway() as (gateway, url):
        app = make_app(sms_sender="http", sms_gateway_url=url, otp_test_numbers=f"{TEST_PHONE}:{TEST_CODE}")
        async with _client(app) as client:
            answer = await _sign_in(client, TEST_PHONE, TEST_CODE)
    assert answer.status_code == 200 and gateway.messages == []


async def test_five_codes_an_hour_per_phone_then_429_with_retry_after(make_app: AppFactory) -> None:
    app = make_app(otp_test_numbers=f"{TEST_PHONE}:{TEST_CODE}")
    async with _client(app) as client:
        answers = [await client.post("/v1/auth/otp", json={"phone": TEST_PHONE}) for _ in range(6)]
        other_phone = await client.post("/v1/auth/otp", json={"phone": "13800138001"})
    assert [answer.status_code for answer in answers] == [202] * 5 + [429]
    assert answers[-1].json()["code"] == "rate_limited"
    assert 3000 < int(answers[-1].headers["Retry-After"]) <= 3600
    assert other_phone.status_code == 202


async def test_twenty_codes_an_hour_per_address(make_app: AppFactory) -> None:
    app = make_app()
    async with _client(app, "203.0.113.9") as crowded, _client(app, "198.51.100.7") as elsewhere:
        answers = [
            (await crowded.post("/v1/auth/otp", json={"phone": f"1390000{n:04d}"})).status_code for n in range(21)
        ]
        other_address = await elsewhere.post("/v1/auth/otp", json={"phone": "13900009999"})
    assert answers == [202] * 20 + [429]
    assert other_address.status_code == 202


async def test_a_failing_or_slow_gateway_is_a_503_and_leaves_no_challenge(
    make_app: AppFactory, session: AsyncSession
) -> None:
    with running_gateway() as (gateway, url):
        app = make_app(sms_sender="http", sms_gateway_url=url, sms_gateway_timeout_seconds=0.5)
        before = await session.scalar(select(func.count()).select_from(OtpChallenge))
        async with _client(app) as client:
            gateway.mode = "fail"
            failed = await client.post("/v1/auth/otp", json={"phone": "13600001234"})
            gateway.mode = "slow"
            slow = await client.post("/v1/auth/otp", json={"phone": "13600001235"})
    for answer in (failed, slow):
        assert answer.status_code == 503
        assert answer.json()["code"] == "sms_unavailable"
    assert await session.scalar(select(func.count()).select_from(OtpChallenge)) == before


async def test_a_disabled_resident_cannot_sign_in(make_app: AppFactory, make_resident, session: AsyncSession) -> None:  # noqa: ANN001
    resident = await make_resident(TEST_PHONE)
    resident.is_active = False
    await session.commit()
    app = make_app(otp_test_numbers=f"{TEST_PHONE}:{TEST_CODE}")
    async with _client(app) as client:
        answer = await _sign_in(client, TEST_PHONE, TEST_CODE)
    assert answer.status_code == 403 and answer.json()["code"] == "account_disabled"
