"""Access and refresh tokens under attack: forged, expired, misdirected, swapped and replayed tokens fail."""

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from models import UserAccount
from tests.accounts.conftest import bearer


def _claims(app: FastAPI, user_id: int, **changes: object) -> dict:
    settings = app.state.settings
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user_id),
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": "a1b2c3",
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})


def _unsigned(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_and_misdirected_access_tokens_are_401_with_a_bearer_challenge(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_resident,  # noqa: ANN001
) -> None:
    user = await make_resident("13811112222")
    secret = app.state.settings.jwt_secret
    good = jwt.encode(_claims(app, user.id), secret, algorithm="HS256")
    assert (await _me(client, good)).status_code == 200

    attacks = {
        "alg none": _unsigned(_claims(app, user.id)),
        "another key": jwt.encode(_claims(app, user.id), "another-key-of-at-least-32-bytes!!", algorithm="HS256"),
        "another algorithm": jwt.encode(_claims(app, user.id), secret, algorithm="HS512"),
        "expired beyond leeway": jwt.encode(
            _claims(app, user.id, exp=int((datetime.now(UTC) - timedelta(seconds=45)).timestamp())), secret
        ),
        "wrong audience": jwt.encode(_claims(app, user.id, aud="another-app"), secret),
        "wrong issuer": jwt.encode(_claims(app, user.id, iss="https://evil.example"), secret),
        "no jti": jwt.encode(_claims(app, user.id, jti=None), secret),
        "no exp": jwt.encode(_claims(app, user.id, exp=None), secret),
        "not an access token": jwt.encode(_claims(app, user.id, typ="refresh"), secret),
        "garbage": "not.a.token",
    }
    for name, token in attacks.items():
        answer = await _me(client, token)
        assert answer.status_code == 401, name
        assert answer.json()["code"] == "invalid_token", name
        assert answer.headers["WWW-Authenticate"].startswith("Bearer"), name


async def test_a_token_just_expired_within_the_leeway_still_works(app: FastAPI, client, make_resident) -> None:  # noqa: ANN001
    user = await make_resident("13811113333")
    recently = int((datetime.now(UTC) - timedelta(seconds=10)).timestamp())
    token = jwt.encode(_claims(app, user.id, exp=recently), app.state.settings.jwt_secret)
    assert (await _me(client, token)).status_code == 200


async def test_no_token_is_401_with_a_bearer_challenge(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}):
        answer = await client.get("/v1/me", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.headers["content-type"] == "application/problem+json"


async def _signed_in_pair(client: httpx.AsyncClient, app: FastAPI, phone: str) -> dict:
    app.state.accounts.otp_test_codes[phone] = "135790"
    challenge = (await client.post("/v1/auth/otp", json={"phone": phone})).json()["challenge_id"]
    answer = await client.post("/v1/auth/otp/verify", json={"challenge_id": challenge, "code": "135790"})
    assert answer.status_code == 200
    return answer.json()


async def test_refresh_rotates_and_a_replayed_token_ends_the_whole_family(app: FastAPI, client) -> None:  # noqa: ANN001
    first = await _signed_in_pair(client, app, "13822223333")
    second = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert (await _me(client, second.json()["access_token"])).status_code == 200

    replay = await client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json()["code"] == "refresh_token_reused"
    # The thief's replay ended the legitimate holder's session too: its newer token is dead.
    newer = await client.post("/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert newer.status_code == 401


async def test_refresh_and_access_tokens_cannot_stand_in_for_each_other(app: FastAPI, client) -> None:  # noqa: ANN001
    pair = await _signed_in_pair(client, app, "13822224444")
    assert (await _me(client, pair["refresh_token"])).status_code == 401
    as_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": pair["access_token"][:128]})
    assert as_refresh.status_code == 401
    # The pair is untouched by those attempts.
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 200


async def test_logout_ends_the_family(app: FastAPI, client) -> None:  # noqa: ANN001
    pair = await _signed_in_pair(client, app, "13822225555")
    assert (await client.post("/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})).status_code == 204
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401
    unknown = await client.post("/v1/auth/logout", json={"refresh_token": "never-issued"})
    assert unknown.status_code == 204


async def test_deleting_my_account_erases_the_phone_and_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    pair = await _signed_in_pair(client, app, "13822226666")
    user_id = (await _me(client, pair["access_token"])).json()["id"]
    assert (
        await client.delete("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    ).status_code == 204
    assert (await _me(client, pair["access_token"])).status_code == 401
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401
    session.expire_all()
    account = await session.get(UserAccount, user_id)
    assert account is not None and account.phone is None and account.deleted_at is not None
    # The same phone may sign up again, as a new account.
    again = await _signed_in_pair(client, app, "13822226666")
    assert (await _me(client, again["access_token"])).json()["id"] != user_id


async def test_staff_cannot_delete_their_account_through_me(app: FastAPI, client, make_staff) -> None:  # noqa: ANN001
    reviewer = await make_staff("reviewer")
    answer = await client.delete("/v1/me", headers=bearer(app, reviewer.id))
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
