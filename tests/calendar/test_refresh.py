"""A worker whose calendar copy is stale counts deadlines with it; when its periodic re-read finds the years known
changed, the provisional deadlines are counted again with the database's calendar (committed rows, real
connections: the re-read runs on its own connection)."""

import asyncio
import functools
import time
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import delete

from api.calendar import days
from api.calendar import service as calendar_service
from api.calendar.schemas import YearSchedule
from api.db import Database
from api.feedback import deadlines, provisional
from api.notifications_bus import NotificationListener
from api.timestamps import SHANGHAI
from models import CalendarDay, CalendarYear, Feedback
from tests.calendar.conftest import schedule_2027_body, street_light_complaint


@pytest.fixture
async def year_2027_loaded_elsewhere(database: Database, calendar_of_database: None) -> AsyncIterator[None]:  # noqa: ARG001
    """2027 committed to the database (as by the CLI or another worker) after this process read its calendar."""
    assert 2027 not in days.current().years
    async with database.sessionmaker() as session, session.begin():
        await calendar_service.store_year(session, 2027, YearSchedule(**schedule_2027_body()), actor_id=None)
    yield
    async with database.sessionmaker() as session, session.begin():
        await session.execute(delete(CalendarDay).where(CalendarDay.year == 2027))
        await session.execute(delete(CalendarYear).where(CalendarYear.year == 2027))


@pytest.mark.usefixtures("year_2027_loaded_elsewhere")
async def test_a_refresh_that_finds_a_new_year_counts_the_stale_provisional_deadlines_again(
    database: Database, committed_resident: int
) -> None:
    received = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)
    async with database.sessionmaker() as session, session.begin():
        complaint = street_light_complaint(
            "FK-20261230-REFRSH",
            committed_resident,
            received,
            **deadlines.due_fields("complaint", received),  # with this process's copy, which lacks 2027
        )
        session.add(complaint)
        await session.flush()
        feedback_id = complaint.id
    assert complaint.due_provisional

    await days.refresh(database, functools.partial(provisional.recompute_in, database))

    assert 2027 in days.current().years
    async with database.sessionmaker() as session:
        stored = await session.get(Feedback, feedback_id)
        expected = deadlines.deadline("complaint", received, await days.read(session))
    assert not expected.provisional
    assert (stored.due_at, stored.due_provisional) == (expected.due_at, False)


async def _year_known(year: int, within_seconds: float) -> bool:
    deadline = time.monotonic() + within_seconds
    while year not in days.current().years:
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@pytest.mark.usefixtures("calendar_of_database")
async def test_a_year_loaded_by_another_process_is_served_at_once(database: Database, database_url: str) -> None:
    """On PostgreSQL the load's commit notifies every process, which reads the calendar again well before its
    periodic re-read; on SQLite nothing is notified and the periodic re-read alone brings the year."""
    listener = NotificationListener(database_url, {days.CALENDAR_CHANNEL: functools.partial(days.refresh, database)})
    listener.start()
    try:
        if listener.enabled:
            await asyncio.wait_for(listener.listening.wait(), timeout=10)
        assert 2027 not in days.current().years
        async with database.sessionmaker() as session, session.begin():
            await calendar_service.store_year(session, 2027, YearSchedule(**schedule_2027_body()), actor_id=None)
        if listener.enabled:
            assert await _year_known(2027, within_seconds=2.0)
        else:
            assert not listener.running
            await asyncio.sleep(0.5)
            assert 2027 not in days.current().years
            await days.refresh(database)
            assert 2027 in days.current().years
    finally:
        await listener.aclose()
        async with database.sessionmaker() as session, session.begin():
            await session.execute(delete(CalendarDay).where(CalendarDay.year == 2027))
            await session.execute(delete(CalendarYear).where(CalendarYear.year == 2027))


@pytest.mark.usefixtures("calendar_of_database")
async def test_a_rolled_back_load_notifies_no_one(database: Database, database_url: str) -> None:
    refreshes: list[str] = []

    async def counted_refresh() -> None:
        refreshes.append("read")
        await days.refresh(database)

    listener = NotificationListener(database_url, {days.CALENDAR_CHANNEL: counted_refresh})
    listener.start()
    try:
        if not listener.enabled:
            assert not listener.running  # SQLite: nothing listens, nothing is notified
            return
        await asyncio.wait_for(listener.listening.wait(), timeout=10)
        assert refreshes == ["read"]  # every (re)connection reads once: what was missed meanwhile is unknown
        async with database.sessionmaker() as session:
            await calendar_service.store_year(session, 2027, YearSchedule(**schedule_2027_body()), actor_id=None)
            await session.rollback()
        await asyncio.sleep(0.5)
        assert refreshes == ["read"]
        assert 2027 not in days.current().years
    finally:
        await listener.aclose()
