"""Fifty identical submissions at once, on committed rows and real connections: one feedback, one answer."""

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from api.db import Database
from models import Feedback, IdempotencyRecord, Place
from tests.accounts.conftest import bearer


async def test_fifty_concurrent_identical_submissions_leave_one_row(
    live_app: FastAPI, database: Database, committed_resident: int
) -> None:
    app = live_app
    async with database.sessionmaker() as session:
        place_id = (await session.execute(select(Place.id).where(Place.status == "published").limit(1))).scalar_one()
    body = {
        "kind": "complaint",
        "target": {"kind": "place", "id": place_id},
        "title": "电梯停运",
        "body": "三号楼电梯停运一周了，老人上下楼很困难。",
    }
    headers = {**bearer(app, committed_resident), "Idempotency-Key": "5f0c8a2e-retry-storm"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answers = await asyncio.gather(*(client.post("/v1/feedback", json=body, headers=headers) for _ in range(50)))
    assert {answer.status_code for answer in answers} == {201}, {answer.text for answer in answers}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 49
    async with database.sessionmaker() as session:
        rows = await session.scalar(select(func.count()).where(Feedback.author_id == committed_resident))
        keys = await session.scalar(select(func.count()).where(IdempotencyRecord.user_id == committed_resident))
    assert (rows, keys) == (1, 1)
