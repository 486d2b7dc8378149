"""Malformed sign-in and administration input is a 4xx problem with a stable code, never a 500: long passwords,
long refresh tokens, token subjects and audit filters beyond the ids the database holds."""

import httpx
import jwt
import pytest
from fastapi import FastAPI

from tests.accounts.conftest import StaffFactory, bearer

# Strong within its first 72 characters, which is what the strength check reads.
LONG_PASSWORD = "harbour lantern quietly folds seven paper cranes beside the tram depot at dawn; then"


@pytest.mark.parametrize("length", [73, 100, 128])
async def test_a_staff_password_of_73_to_128_characters_is_accepted_and_signs_in(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, length: int
) -> None:
    password = (LONG_PASSWORD * 2)[:length]
    admin_headers = bearer(app, (await make_staff("admin")).id)
    created = await client.post(
        "/v1/admin/users",
        json={"username": f"long-{length}", "password": password, "role": "reviewer"},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    signed_in = await client.post("/v1/auth/login", json={"username": f"long-{length}", "password": password})
    assert signed_in.status_code == 200, signed_in.text


@pytest.mark.parametrize(
    ("password", "error_type"),
    [("a" * 100, "password_weak"), ("12345678" * 12, "password_weak"), (LONG_PASSWORD * 2, "string_too_long")],
)
async def test_a_long_password_that_is_weak_or_too_long_is_a_422(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, password: str, error_type: str
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    answer = await client.post(
        "/v1/admin/users",
        json={"username": "long-weak", "password": password, "role": "reviewer"},
        headers=admin_headers,
    )
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"
    assert [(error["loc"][-1], error["type"]) for error in answer.json()["errors"]] == [("password", error_type)]


@pytest.mark.parametrize("path", ["/v1/auth/refresh", "/v1/auth/logout"])
@pytest.mark.parametrize("token", ["a" * 129, "  " + "b" * 129 + "  ", "\u3000" + "c" * 200])
async def test_a_refresh_token_over_128_characters_after_trimming_is_a_422(
    client: httpx.AsyncClient, path: str, token: str
) -> None:
    answer = await client.post(path, json={"refresh_token": token})
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"
    assert [error["loc"] for error in answer.json()["errors"]] == [["body", "refresh_token"]]


@pytest.mark.parametrize("subject", [str(2**31), str(2**63), str(2**64 + 1), "0", "-1", "1e3", " 1"])
async def test_a_token_whose_subject_is_no_possible_user_id_is_a_401(
    app: FastAPI, client: httpx.AsyncClient, subject: str
) -> None:
    settings = app.state.settings
    token = jwt.encode(
        {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": subject,
            "iat": 1,
            "exp": 4_102_444_800,
            "jti": "x",
            "typ": "access",
        },
        settings.jwt_secret,
        algorithm="HS256",
    )
    answer = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_token"
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("actor_id", [2**31, 2**40, 2**63, 2**64])
async def test_an_audit_filter_beyond_any_user_id_is_a_422(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, actor_id: int
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    answer = await client.get("/v1/admin/audit", params={"actor_id": actor_id}, headers=admin_headers)
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"
    assert [error["loc"] for error in answer.json()["errors"]] == [["query", "actor_id"]]
