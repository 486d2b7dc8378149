"""Feedback as residents and the team see it."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.phones import mask_phone
from api.feedback import states
from api.timestamps import to_local
from models import Feedback, FeedbackEvent, FeedbackPhoto, UserAccount


def summary(feedback: Feedback) -> dict:
    return {
        "id": feedback.id,
        "ref": feedback.ref,
        "kind": feedback.kind,
        "status": feedback.status,
        "title": feedback.title,
        "district": feedback.district_code,
        "due_at": to_local(feedback.due_at),
        "due_provisional": feedback.due_provisional,
        "created_at": to_local(feedback.created_at),
        "updated_at": to_local(feedback.updated_at),
    }


def overdue(feedback: Feedback, now: datetime | None = None) -> bool:
    return feedback.status in states.OPEN_STATUSES and feedback.due_at < (now or datetime.now(UTC))


async def detail(session: AsyncSession, feedback: Feedback, *, for_team: bool) -> dict:
    """Everything about one feedback; residents get the public history only."""
    events = select(FeedbackEvent).where(FeedbackEvent.feedback_id == feedback.id)
    if not for_team:
        events = events.where(FeedbackEvent.public)
    history = (await session.execute(events.order_by(FeedbackEvent.id))).scalars().all()
    photos = (
        (
            await session.execute(
                select(FeedbackPhoto).where(FeedbackPhoto.feedback_id == feedback.id).order_by(FeedbackPhoto.id)
            )
        )
        .scalars()
        .all()
    )
    duplicate_of = (
        await session.scalar(select(Feedback.ref).where(Feedback.id == feedback.duplicate_of_id))
        if feedback.duplicate_of_id
        else None
    )
    data = {
        **summary(feedback),
        "target": {"kind": feedback.target_kind, "id": feedback.target_key} if feedback.target_kind else None,
        "location": {"lat": feedback.lat, "lng": feedback.lng} if feedback.lat is not None else None,
        "body": feedback.body,
        "correction": (
            {"field": feedback.correction_field, "suggested_value": feedback.correction_value}
            if feedback.correction_field
            else None
        ),
        "resolved_at": to_local(feedback.resolved_at),
        "closed_at": to_local(feedback.closed_at),
        "rating": feedback.rating,
        "rating_comment": feedback.rating_comment,
        "duplicate_of": duplicate_of,
        "photos": [
            {
                "id": photo.id,
                "url": f"/v1/feedback/{feedback.id}/photos/{photo.id}",
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
            }
            for photo in photos
        ],
        "history": [
            {
                "action": event.action,
                "by": _by(event.actor_role),
                "from_status": event.from_status,
                "to_status": event.to_status,
                "message": event.message,
                "public": event.public,
                "created_at": to_local(event.created_at),
            }
            for event in history
        ],
    }
    if for_team:
        data.update(
            target_category=feedback.target_category,
            assignee_id=feedback.assignee_id,
            overdue=overdue(feedback),
            author_phone=(await masked_author_phones(session, [feedback])).get(feedback.author_id),
        )
    return data


def _by(actor_role: str) -> str:
    return {"resident": "resident", "system": "system"}.get(actor_role, "team")


async def masked_author_phones(session: AsyncSession, feedback: list[Feedback]) -> dict[int, str | None]:
    """Masked phones of the authors of a page of feedback, in one query."""
    author_ids = {item.author_id for item in feedback if item.author_id is not None}
    if not author_ids:
        return {}
    rows = await session.execute(select(UserAccount.id, UserAccount.phone).where(UserAccount.id.in_(author_ids)))
    return {user_id: mask_phone(phone) for user_id, phone in rows}
