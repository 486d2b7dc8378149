"""Phone numbers, ids and codes are ASCII digits only: full-width (１) and Arabic-Indic (١) digits, which Python reads
as numbers, are a 422 naming the field instead of a second spelling of the same number."""

import uuid

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Feedback, OtpChallenge, Place
from tests.accounts.conftest import StaffFactory, bearer

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _problem_fields(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_failed"
    return [str(error["loc"][-1]) for error in answer.json()["errors"]]


@pytest.mark.parametrize(
    "phone",
    [
        "1380000009" + "9".translate(FULL_WIDTH),
        "13800000099".translate(FULL_WIDTH),
        "13800000099".translate(ARABIC_INDIC),
        "+86 138 0000 009" + "9".translate(ARABIC_INDIC),
    ],
)
async def test_a_phone_with_other_digits_gets_no_code_and_no_budget_of_its_own(
    client: httpx.AsyncClient, session: AsyncSession, phone: str
) -> None:
    answer = await client.post("/v1/auth/otp", json={"phone": phone})
    assert _problem_fields(answer) == ["phone"]
    assert await session.scalar(select(func.count()).select_from(OtpChallenge)) == 0


async def test_a_sign_in_code_in_other_digits_is_refused_as_malformed(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/v1/auth/otp/verify", json={"challenge_id": "x" * 32, "code": "123456".translate(FULL_WIDTH)}
    )
    assert _problem_fields(answer) == ["code"]


async def test_a_feedback_target_id_in_other_digits_is_refused_and_nothing_is_stored(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    make_resident,  # noqa: ANN001
) -> None:
    place_id = await session.scalar(select(func.min(Place.id)).where(Place.status == "published"))
    headers = bearer(app, (await make_resident("13912340000")).id)
    for written in (str(place_id).translate(FULL_WIDTH), str(place_id).translate(ARABIC_INDIC)):
        answer = await client.post(
            "/v1/feedback",
            json={
                "kind": "complaint",
                "target": {"kind": "place", "id": written},
                "title": "公厕没有手纸",
                "body": "东门公厕连续三天没有手纸。",
            },
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert _problem_fields(answer) == ["id"], written
        assert answer.json()["errors"][0]["loc"] == ["body", "target", "id"]
    assert await session.scalar(select(func.count()).select_from(Feedback)) == 0


async def test_ids_and_codes_in_paths_and_queries_take_ascii_digits_only(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    reviewer_headers = bearer(app, (await make_staff("reviewer")).id)
    one = "1".translate(FULL_WIDTH)
    assert _problem_fields(await client.get(f"/v1/admin/users/{one}", headers=admin_headers)) == ["user_id"]
    assert _problem_fields(await client.get(f"/v1/places/{one}")) == ["place_id"]
    assert _problem_fields(
        await client.get("/v1/triage/feedback", params={"assignee": one}, headers=reviewer_headers)
    ) == ["assignee"]
    assert _problem_fields(await client.get("/v1/places", params={"district": "310104".translate(FULL_WIDTH)})) == [
        "district"
    ]
    assert _problem_fields(await client.get(f"/v1/districts/{'310104'.translate(ARABIC_INDIC)}/streets")) == [
        "district_code"
    ]


async def test_a_token_whose_subject_is_written_in_other_digits_is_not_valid(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin_id = (await make_staff("admin")).id
    settings = app.state.settings
    claims = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "iat": 1, "exp": 4_102_444_800}
    token = jwt.encode(
        {**claims, "sub": str(admin_id).translate(FULL_WIDTH), "jti": "x", "typ": "access"},
        settings.jwt_secret,
        algorithm="HS256",
    )
    answer = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["code"] == "invalid_token"
