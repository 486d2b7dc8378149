"""Feeds racing for one listing: whatever order their calls commit in, the newest figure stays.

The race is forced (tests/races.py): every call is held after its checks until all have passed them, so code that
checked a stale stored time without the listing's row lock would let an older figure overwrite a newer one.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from api.db import Database
from models import Place
from tests.accounts.conftest import bearer, committed_staff
from tests.races import all_answers, racing

CALLS = 8


@pytest.fixture
async def committed_admin(database: Database, live_app: FastAPI) -> AsyncIterator[int]:
    async with committed_staff(database, live_app, "admin") as user_id:
        yield user_id


@pytest.fixture
async def car_park(database: Database) -> AsyncIterator[int]:
    """A real car park, its figures put back as they were afterwards."""
    async with database.sessionmaker() as session:
        row = (
            await session.execute(
                select(Place.id, Place.available, Place.available_updated_at, Place.updated_at)
                .where(Place.category_code == "transport.parking", Place.is_sample.is_(False))
                .order_by(Place.id)
                .limit(1)
            )
        ).one()
    yield row.id
    async with database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Place)
            .where(Place.id == row.id)
            .values(available=row.available, available_updated_at=row.available_updated_at, updated_at=row.updated_at)
        )


async def test_of_racing_pushes_the_newest_figure_stays(
    live_app: FastAPI, database: Database, committed_admin: int, car_park: int
) -> None:
    headers = bearer(live_app, committed_admin)
    start = datetime.now(UTC) - timedelta(minutes=10)
    bodies = [
        {"figures": [{"place_id": car_park, "available": n, "as_of": (start + timedelta(seconds=n)).isoformat()}]}
        for n in range(CALLS)
    ]
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with racing("live_figures.checked", parties=CALLS):
            answers = await all_answers(
                *(client.put("/v1/manage/availability", json=body, headers=headers) for body in bodies)
            )
    assert [answer.status_code for answer in answers] == [200] * CALLS
    outcomes = [answer.json()["results"][0]["outcome"] for answer in answers]
    assert set(outcomes) <= {"applied", "ignored_older"} and "applied" in outcomes
    async with database.sessionmaker() as session:
        stored = (
            await session.execute(select(Place.available, Place.available_updated_at).where(Place.id == car_park))
        ).one()
    assert (stored.available, stored.available_updated_at) == (CALLS - 1, start + timedelta(seconds=CALLS - 1))
