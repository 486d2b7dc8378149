"""Races around the holiday calendar, on committed rows and real connections: two admins loading the same new year
at once (both answer, the year is stored once, whole), and a housekeeping recount of provisional deadlines racing
a reviewer's move that resets one."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from api import race_hooks
from api.calendar import days
from api.db import Database, unit_of_work
from api.feedback import deadlines
from api.housekeeping import run_round
from models import AuditEntry, CalendarDay, CalendarYear, Feedback, FeedbackEvent, Place, UserAccount
from tests.accounts.conftest import bearer
from tests.calendar.conftest import schedule_2027_body
from tests.feedback.conftest import complaint_about, move, resolve, submit
from tests.races import PATIENCE_SECONDS, all_answers, racing


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


async def test_a_housekeeping_recount_never_overwrites_the_deadline_a_reviewers_move_just_set(
    live_app: FastAPI, database: Database, committed_resident: int, committed_reviewer: UserAccount
) -> None:
    """The recount reads a reopened case's provisional deadline; the reviewer puts the case back to work (a fresh
    deadline from today) meanwhile: the recount waits for the move or counts after it, never writes over it."""
    resident, reviewer = bearer(live_app, committed_resident), bearer(live_app, committed_reviewer.id)
    async with database.sessionmaker() as session:
        place_id = (
            await session.scalars(select(Place.id).where(Place.status == "published").order_by(Place.id).limit(1))
        ).one()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        submitted = await submit(client, resident, complaint_about(place_id))
        feedback_id = submitted.json()["id"]
        await resolve(client, reviewer, feedback_id)
        reopened = await client.post(
            f"/v1/feedback/{feedback_id}/reopen", json={"reason": "又坏了。"}, headers=resident
        )
        assert reopened.status_code == 200, reopened.text
        # As if it had been received weeks ago and counted by a worker whose calendar copy was stale.
        async with database.sessionmaker() as session, session.begin():
            feedback = await session.get(Feedback, feedback_id)
            feedback.created_at = feedback.created_at - timedelta(days=35)
            feedback.due_provisional = True

        recount_reached, move_answered = asyncio.Event(), asyncio.Event()

        async def hold_the_recount(point: str) -> None:
            if point == "provisional.recount":
                recount_reached.set()
                with contextlib.suppress(TimeoutError):  # a locked row keeps the move waiting: go on
                    await asyncio.wait_for(move_answered.wait(), PATIENCE_SECONDS)

        async def housekeeping_round() -> dict[str, int]:
            async with database.sessionmaker() as session, unit_of_work(session):
                return await run_round(session)

        async def reviewer_moves() -> httpx.Response:
            await recount_reached.wait()
            try:
                return await move(client, reviewer, feedback_id, "in_progress")
            finally:
                move_answered.set()

        with race_hooks.installed(hold_the_recount):
            _, moved = await all_answers(housekeeping_round(), reviewer_moves())
    assert moved.status_code == 200, moved.text

    async with database.sessionmaker() as session:
        stored = await session.get(Feedback, feedback_id)
        back_to_work = await session.scalar(
            select(FeedbackEvent.created_at).where(
                FeedbackEvent.feedback_id == feedback_id,
                FeedbackEvent.from_status == "reopened",
                FeedbackEvent.to_status == "in_progress",
            )
        )
        expected = deadlines.deadline("complaint", back_to_work, await days.read(session))
    assert (stored.due_at, stored.due_provisional) == (expected.due_at, expected.provisional)
