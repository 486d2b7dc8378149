"""Moving a feedback: the checked status change, its history entry, its timestamps and the resident's notice."""

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.errors import ValidationFailed
from api.feedback import deadlines, notifications, states
from models import Feedback, FeedbackEvent


async def lock(session: AsyncSession, *feedback_ids: int) -> dict[int, Feedback]:
    """Lock these feedback rows until the transaction ends and read their current state, so that a check of
    their status holds until the write it allows: a second request for the same feedback waits here, then reads
    what the first one wrote. Several rows are locked in id order, so two requests locking the same rows queue
    instead of deadlocking. FOR NO KEY UPDATE: it waits for no one who merely references the row (a new event,
    photo or duplicate link). SQLite has no row locks and needs none: its writers queue (BEGIN IMMEDIATE)."""
    locked = {}
    for feedback_id in sorted(set(feedback_ids)):
        feedback = await session.get(Feedback, feedback_id, with_for_update={"key_share": True}, populate_existing=True)
        if feedback is not None:
            locked[feedback_id] = feedback
    return locked


def record_event(
    session: AsyncSession,
    feedback: Feedback,
    *,
    actor_id: int | None,
    actor_role: str,
    action: str,
    message: str | None = None,
    public: bool = True,
    from_status: str | None = None,
    to_status: str | None = None,
    now: datetime | None = None,
) -> None:
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            actor_id=actor_id,
            actor_role=actor_role,
            action=action,
            from_status=from_status,
            to_status=to_status,
            public=public,
            message=message,
            created_at=now or datetime.now(UTC),
        )
    )


async def move(
    session: AsyncSession,
    feedback: Feedback,
    target: str,
    *,
    actor: str,
    actor_id: int | None,
    actor_role: str,
    public_reply: str | None = None,
    note: str | None = None,
    notice: str | None = None,
    tell_resident: bool = True,
) -> None:
    """The only way a status changes (see states.TRANSITIONS). `tell_resident=False` leaves the move out of the
    resident's inbox (it stays in the public history): a step on the way to a move they are told of at once."""
    states.check_move(feedback.status, target, actor)
    if target in states.NEEDS_PUBLIC_REPLY and not public_reply:
        raise ValidationFailed(
            f"moving to {target} needs a public_reply that tells the resident why or what was done",
            errors=[{"loc": ["body", "public_reply"], "msg": "required", "type": "public_reply_required"}],
        )
    await race_hooks.after_check("feedback.move")
    now = datetime.now(UTC)
    origin = feedback.status
    feedback.status = target
    feedback.updated_at = now
    if target == "resolved":
        feedback.resolved_at = now
    elif target == "closed":
        feedback.closed_at = now
    elif target == "in_progress" and origin == "reopened":
        # A reopened case gets a fresh deadline of its kind from today.
        deadlines.set_due(feedback, now)
        feedback.resolved_at = None
    record_event(
        session,
        feedback,
        actor_id=actor_id,
        actor_role=actor_role,
        action="status",
        message=public_reply,
        from_status=origin,
        to_status=target,
        now=now,
    )
    if note:
        record_event(
            session,
            feedback,
            actor_id=actor_id,
            actor_role=actor_role,
            action="note",
            message=note,
            public=False,
            now=now,
        )
    if actor != states.RESIDENT and tell_resident:
        await notifications.notify(
            session,
            feedback,
            "duplicate" if target == "duplicate" else "status",
            notice or public_reply or f"状态：{notifications.STATUS_WORDS.get(target, target)}",
        )
        if target == "resolved":
            await notifications.tell_duplicates_resolved(
                session, feedback, public_reply or notifications.STATUS_WORDS[target]
            )
    await session.flush()


async def close_unrated(session: AsyncSession, now: datetime | None = None) -> int:
    """Close every feedback resolved more than 7 days ago that nobody reopened or rated."""
    now = now or datetime.now(UTC)
    stale = (
        (
            await session.execute(
                update(Feedback)
                .where(Feedback.status == "resolved", Feedback.resolved_at < now - states.REOPEN_WINDOW)
                .values(status="closed", closed_at=now, updated_at=now)
                .returning(Feedback.id)
                .execution_options(synchronize_session=False)
            )
        )
        .scalars()
        .all()
    )
    session.add_all(
        FeedbackEvent(
            feedback_id=feedback_id,
            actor_role="system",
            action="status",
            from_status="resolved",
            to_status="closed",
            message="办结 7 天内未评价，自动关闭",
            created_at=now,
        )
        for feedback_id in stale
    )
    await session.flush()
    return len(stale)
