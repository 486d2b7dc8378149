"""Provisional deadlines counted again with the holiday calendar in the database.

A deadline is counted with the process's copy of the calendar (api.calendar.days), which can be stale: a year
loaded by the CLI or another worker, a failed read at start, a submission in flight while a load commits. So
provisional deadlines are counted again after every load, whenever a worker's refresh finds the known years
changed, and in every housekeeping round: always with the calendar read in the recomputing transaction, and
idempotently (a deadline still provisional stays as it was).
"""

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.calendar import days
from api.db import Database, unit_of_work
from api.feedback import deadlines
from models import Feedback, FeedbackEvent


async def recompute(session: AsyncSession) -> int:
    """Count every provisional deadline again, from the moment it was counted from (receipt, or the reopened case's
    return to work); those the calendar now decides stop being provisional. How many were counted."""
    # Locked in id order: a reviewer's move that resets a deadline meanwhile is waited for, then counted again.
    provisional = list(
        (
            await session.scalars(
                select(Feedback).where(Feedback.due_provisional).order_by(Feedback.id).with_for_update()
            )
        ).all()
    )
    if not provisional:
        return 0
    calendar = await days.read(session)
    restarted: dict[int, dt.datetime] = dict(
        (
            await session.execute(
                select(FeedbackEvent.feedback_id, func.max(FeedbackEvent.created_at))
                .where(
                    FeedbackEvent.feedback_id.in_([feedback.id for feedback in provisional]),
                    FeedbackEvent.from_status == "reopened",
                    FeedbackEvent.to_status == "in_progress",
                )
                .group_by(FeedbackEvent.feedback_id)
            )
        ).all()
    )
    await race_hooks.after_check("provisional.recount")
    for feedback in provisional:
        counted_from = restarted.get(feedback.id) or feedback.created_at
        if counted_from.tzinfo is None:  # func.max loses the column type on SQLite
            counted_from = counted_from.replace(tzinfo=dt.UTC)
        deadlines.set_due(feedback, counted_from, calendar)
    await session.flush()
    return len(provisional)


async def recompute_in(database: Database) -> int:
    """`recompute` in a transaction of its own (a worker's refresh that found the known years changed)."""
    async with database.sessionmaker() as session, unit_of_work(session):
        return await recompute(session)
