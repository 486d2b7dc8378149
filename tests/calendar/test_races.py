"""Two admins loading the same new year at once, on committed rows and real connections: the race is forced
(tests/races.py), both loads answer, and the year is stored once, whole."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from api.db import Database
from models import AuditEntry, CalendarDay, CalendarYear, UserAccount
from tests.accounts.conftest import bearer
from tests.calendar.conftest import schedule_2027_body
from tests.races import all_answers, racing


@pytest.fixture
async def committed_admin(database: Database, calendar_of_database: None) -> AsyncIterator[int]:  # noqa: ARG001
    """An admin committed for real; the year 2027 and its audit entries are removed afterwards."""
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        admin = UserAccount(
            role="admin",
            username=f"calendar-admin-{uuid.uuid4().hex[:8]}",
            password_hash="not used: the test signs in with a bearer token",
            created_at=now,
            updated_at=now,
        )
        session.add(admin)
        await session.flush()
        admin_id = admin.id
    yield admin_id
    async with database.sessionmaker() as session, session.begin():
        await session.execute(delete(CalendarDay).where(CalendarDay.year == 2027))
        await session.execute(delete(CalendarYear).where(CalendarYear.year == 2027))
        await session.execute(delete(AuditEntry).where(AuditEntry.actor_id == admin_id))
        await session.execute(delete(UserAccount).where(UserAccount.id == admin_id))


async def test_two_loads_of_a_year_not_loaded_yet_at_once_both_answer_and_store_it_once(
    live_app: FastAPI, database: Database, committed_admin: int
) -> None:
    body = schedule_2027_body()
    headers = bearer(live_app, committed_admin)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        with racing("calendar_year_insert", parties=2):
            answers = await all_answers(
                *(client.put("/v1/admin/calendar/2027", json=body, headers=headers) for _ in range(2))
            )
    assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
    assert sorted(answer.json()["replaced"] for answer in answers) == [False, True]
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(CalendarYear.year == 2027)) == 1
        stored = await session.scalar(select(func.count()).where(CalendarDay.year == 2027))
        assert stored == len(body["holidays"]) + len(body["workdays"])
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == committed_admin).order_by(AuditEntry.id)
            )
        ).all()
    assert actions == ["calendar_year_loaded", "calendar_year_replaced"]
