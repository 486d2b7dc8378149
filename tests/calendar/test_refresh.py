"""A worker whose calendar copy is stale counts deadlines with it; when its periodic re-read finds the years known
changed, the provisional deadlines are counted again with the database's calendar (committed rows, real
connections: the re-read runs on its own connection)."""

import functools
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from sqlalchemy import delete

from api.calendar import days
from api.calendar import service as calendar_service
from api.calendar.schemas import YearSchedule
from api.db import Database
from api.feedback import deadlines, provisional
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
