"""Residents' in-app inbox: an entry on every public status change or public reply of their feedback."""

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import NotFound
from api.pagination import rows_by_id
from models import Feedback, Notification, UserAccount

STATUS_WORDS = {
    "accepted": "已受理",
    "in_progress": "处理中",
    "resolved": "已办结",
    "closed": "已关闭",
    "rejected": "不予受理",
    "duplicate": "重复反馈",
    "reopened": "已重新打开",
}


async def notify(session: AsyncSession, feedback: Feedback, kind: str, body: str) -> None:
    """Tell the author (if they still have an account) about a public change."""
    if feedback.author_id is None:
        return
    active = await session.scalar(
        select(UserAccount.id).where(UserAccount.id == feedback.author_id, UserAccount.deleted_at.is_(None))
    )
    if active is None:
        return
    titles = {
        "status": f"您的反馈 {feedback.ref} {STATUS_WORDS.get(feedback.status, feedback.status)}",
        "reply": f"您的反馈 {feedback.ref} 有新回复",
        "duplicate": f"您的反馈 {feedback.ref} 已合并处理",
    }
    session.add(
        Notification(
            user_id=feedback.author_id,
            feedback_id=feedback.id,
            kind=kind,
            title=titles[kind],
            body=body,
            created_at=datetime.now(UTC),
        )
    )


async def tell_duplicates_resolved(session: AsyncSession, original: Feedback, body: str) -> None:
    """The residents whose feedback was marked a duplicate of `original` hear that it is resolved: they cannot see
    the original itself. Each of them once, however many of theirs were merged, and not its own author, who is
    told already."""
    merged = await session.execute(
        select(Feedback.author_id, Feedback.id, Feedback.ref)
        .join(UserAccount, UserAccount.id == Feedback.author_id)
        .where(Feedback.duplicate_of_id == original.id, UserAccount.deleted_at.is_(None))
        .order_by(Feedback.id)
    )
    told = {original.author_id}
    for author_id, feedback_id, ref in merged:
        if author_id in told:
            continue
        told.add(author_id)
        session.add(
            Notification(
                user_id=author_id,
                feedback_id=feedback_id,
                kind="original_resolved",
                title=f"与您的反馈 {ref} 相同的问题已办结",
                body=body,
                created_at=datetime.now(UTC),
            )
        )


async def inbox(
    session: AsyncSession, user_id: int, *, unread_only: bool, limit: int, cursor: str | None
) -> tuple[list[Notification], str | None]:
    statement = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return await rows_by_id(
        session, statement, Notification.id, kind="notifications", limit=limit, cursor=cursor, newest_first=True
    )


async def mark_read(session: AsyncSession, user_id: int, notification_id: int | None) -> int:
    """Mark one entry (or, with None, every entry) read; answers how many changed."""
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        exists = await session.scalar(
            select(Notification.id).where(Notification.id == notification_id, Notification.user_id == user_id)
        )
        if exists is None:
            raise NotFound(f"there is no notification {notification_id}")
        statement = statement.where(Notification.id == notification_id)
    result = await session.execute(
        statement.values(read_at=datetime.now(UTC)).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
