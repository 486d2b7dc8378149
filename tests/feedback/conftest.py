"""Residents and reviewers with tokens, places to give feedback on, and a helper that submits feedback."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Place, UserAccount
from tests.accounts.conftest import bearer, new_staff

Headers = dict[str, str]


@pytest.fixture
def resident_headers(app: FastAPI, session: AsyncSession) -> Callable[[str], Awaitable[Headers]]:
    async def make(phone: str = "13912340000") -> Headers:
        now = datetime.now(UTC)
        account = UserAccount(role="resident", phone=phone, created_at=now, updated_at=now)
        session.add(account)
        await session.commit()
        return bearer(app, account.id)

    return make


@pytest.fixture
def staff_headers(app: FastAPI, session: AsyncSession) -> Callable[[str], Awaitable[Headers]]:
    async def make(role: str = "reviewer") -> Headers:
        account = await new_staff(app, session, role)
        await session.commit()
        return bearer(app, account.id)

    return make


async def place_in(session: AsyncSession, district: str, category_prefix: str = "") -> Place:
    return (
        await session.execute(
            select(Place)
            .where(
                Place.district_code == district,
                Place.status == "published",
                Place.category_code.startswith(category_prefix),
            )
            .order_by(Place.id)
            .limit(1)
        )
    ).scalar_one()


def complaint_about(place_id: int, **changes: object) -> dict:
    body = {
        "kind": "complaint",
        "target": {"kind": "place", "id": place_id},
        "title": "公厕没有手纸",
        "body": "徐家汇公园东门公厕连续三天没有手纸，洗手液也用完了，请尽快补充。",
    }
    body.update(changes)
    return body


async def submit(client: httpx.AsyncClient, headers: Headers, body: dict, key: str | None = None) -> httpx.Response:
    return await client.post("/v1/feedback", json=body, headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex})


async def move(
    client: httpx.AsyncClient, reviewer: Headers, feedback_id: int, to: str, **extra: object
) -> httpx.Response:
    return await client.post(
        f"/v1/triage/feedback/{feedback_id}/transition", json={"to": to, **extra}, headers=reviewer
    )


async def resolve(client: httpx.AsyncClient, reviewer: Headers, feedback_id: int) -> None:
    """Take a submitted feedback through accepted and in_progress to resolved, as the team would."""
    for target in ("accepted", "in_progress"):
        assert (await move(client, reviewer, feedback_id, target)).status_code == 200
    assert (await move(client, reviewer, feedback_id, "resolved", public_reply="已处理。")).status_code == 200


@pytest.fixture
async def own_feedback(client: httpx.AsyncClient, session: AsyncSession, resident_headers) -> tuple[Headers, int]:  # noqa: ANN001
    """A resident's headers and a feedback of theirs to add photos to."""
    headers = await resident_headers()
    answer = await submit(client, headers, complaint_about((await place_in(session, "310104")).id))
    return headers, answer.json()["id"]


async def upload(
    client: httpx.AsyncClient, headers: Headers, feedback_id: int, data: bytes, name: str, kind: str
) -> httpx.Response:
    return await client.post(f"/v1/feedback/{feedback_id}/photos", files={"file": (name, data, kind)}, headers=headers)
