"""Residents' side of feedback: send it, follow it, add photos, rate it, reopen it."""

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.accounts.tokens import InvalidToken
from api.deps import Principal
from api.errors import Conflict, NotFound, TooManyRequests
from api.feedback import deadlines, photo_stores, photos, states, targets, workflow
from api.feedback.photo_stores import PhotoStorage
from api.feedback.schemas import FeedbackCreate
from api.pagination import rows_by_id
from api.timestamps import SHANGHAI
from models import Feedback, FeedbackPhoto, UserAccount

DAILY_SUBMISSIONS = 20
_REF_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I to misread over the phone


class TooManyPhotos(Conflict):
    code, title = "too_many_photos", f"A feedback holds at most {photos.MAX_PHOTOS} photos"


def _new_ref(now: datetime) -> str:
    return f"FK-{now.astimezone(SHANGHAI):%Y%m%d}-{''.join(secrets.choice(_REF_ALPHABET) for _ in range(6))}"


async def _check_daily_limit(session: AsyncSession, author_id: int, now: datetime) -> None:
    # The author's account row, locked until the commit, makes counting and inserting one step: a resident's
    # submissions sent at once count one after another. FOR NO KEY UPDATE, because this request has already
    # inserted a row that references the account (its idempotency key), which its twins have too: FOR UPDATE
    # would wait for theirs while they wait for this one.
    # Checked under that lock, which the erasure (DELETE /v1/me) takes too: an account erased since the request was
    # signed in sends nothing more.
    deleted_at = await session.scalar(
        select(UserAccount.deleted_at).where(UserAccount.id == author_id).with_for_update(key_share=True)
    )
    if deleted_at is not None:
        raise InvalidToken("this account is disabled or no longer exists")
    local = now.astimezone(SHANGHAI)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    sent_today = await session.scalar(
        select(func.count()).where(Feedback.author_id == author_id, Feedback.created_at >= day_start.astimezone(UTC))
    )
    if sent_today >= DAILY_SUBMISSIONS:
        tomorrow = day_start + timedelta(days=1)
        raise TooManyRequests(
            f"at most {DAILY_SUBMISSIONS} feedback a day; you can send more tomorrow",
            retry_after_seconds=int((tomorrow - local).total_seconds()),
        )


async def submit(session: AsyncSession, author: Principal, body: FeedbackCreate) -> Feedback:
    now = datetime.now(UTC)
    await _check_daily_limit(session, author.user_id, now)
    await race_hooks.after_check("feedback.daily_limit")
    target = await targets.resolve(
        session,
        body.target.kind if body.target else None,
        str(body.target.id) if body.target else None,
        (body.location.lat, body.location.lng) if body.location else None,
        body.coord,
        body.district,
    )
    feedback = Feedback(
        ref=_new_ref(now),
        author_id=author.user_id,
        kind=body.kind,
        target_kind=target.kind,
        target_key=target.key,
        target_category=target.category,
        district_code=target.district,
        lat=target.lat,
        lng=target.lng,
        title=body.title,
        body=body.body,
        correction_field=body.correction.field if body.correction else None,
        correction_value=body.correction.suggested_value if body.correction else None,
        **deadlines.due_fields(body.kind, now),
        created_at=now,
        updated_at=now,
    )
    session.add(feedback)
    await session.flush()
    workflow.record_event(
        session,
        feedback,
        actor_id=author.user_id,
        actor_role="resident",
        action="submitted",
        to_status="submitted",
        now=now,
    )
    await session.flush()
    return feedback


async def own(session: AsyncSession, resident: Principal, feedback_id: int, *, lock: bool = False) -> Feedback:
    """The caller's feedback; anyone else's is a 404, exactly like one that does not exist. `lock` holds its row
    until the commit, for a check of its state that the write must still find true (workflow.lock)."""
    if lock:
        feedback = (await workflow.lock(session, feedback_id)).get(feedback_id)
    else:
        feedback = await session.get(Feedback, feedback_id)
    if feedback is None or feedback.author_id != resident.user_id:
        raise NotFound(f"there is no feedback {feedback_id} of yours")
    return feedback


async def list_own(
    session: AsyncSession, resident: Principal, *, limit: int, cursor: str | None
) -> tuple[list[Feedback], str | None]:
    statement = select(Feedback).where(Feedback.author_id == resident.user_id)
    return await rows_by_id(
        session, statement, Feedback.id, kind="my-feedback", limit=limit, cursor=cursor, newest_first=True
    )


async def rate(
    session: AsyncSession, resident: Principal, feedback_id: int, score: int, comment: str | None
) -> Feedback:
    feedback = await own(session, resident, feedback_id, lock=True)
    if feedback.rating is not None:
        raise Conflict("this feedback is already rated")
    await workflow.move(
        session, feedback, "closed", actor=states.RESIDENT, actor_id=resident.user_id, actor_role="resident"
    )
    feedback.rating, feedback.rating_comment = score, comment
    workflow.record_event(
        session,
        feedback,
        actor_id=resident.user_id,
        actor_role="resident",
        action="rated",
        message=f"{score}/5" + (f" {comment}" if comment else ""),
    )
    await session.flush()
    return feedback


async def reopen(session: AsyncSession, resident: Principal, feedback_id: int, reason: str) -> Feedback:
    feedback = await own(session, resident, feedback_id, lock=True)
    if feedback.status == "resolved" and not states.within_reopen_window(feedback.resolved_at, datetime.now(UTC)):
        raise states.InvalidTransition("feedback can be reopened within 7 days of its resolution only")
    await workflow.move(
        session,
        feedback,
        "reopened",
        actor=states.RESIDENT,
        actor_id=resident.user_id,
        actor_role="resident",
        public_reply=reason,
    )
    return feedback


async def add_photo(
    session: AsyncSession,
    read_session: AsyncSession,
    storage: PhotoStorage,
    resident: Principal,
    feedback_id: int,
    data: bytes,
    content_type: str | None,
) -> FeedbackPhoto:
    # Whose feedback it is comes from a read that holds no lock; then the photo is decoded (in a worker), and only
    # then does the transaction begin, since on SQLite it holds the write lock from its start.
    _require_open_for_photos(await own(read_session, resident, feedback_id))
    image = await photos.clean_image_off_loop(data, content_type)
    await race_hooks.after_check("feedback.photo_decoded")
    # The feedback's row lock makes concurrent uploads count one after another (SQLite's writers queue anyway).
    feedback = (
        await session.execute(select(Feedback).where(Feedback.id == feedback_id).with_for_update())
    ).scalar_one()
    _require_open_for_photos(feedback)
    await _require_author_not_erased(session, resident.user_id)
    count = await session.scalar(select(func.count()).where(FeedbackPhoto.feedback_id == feedback_id))
    if count >= photos.MAX_PHOTOS:
        raise TooManyPhotos()
    photo = FeedbackPhoto(
        feedback_id=feedback_id,
        storage_key=photo_stores.new_key(feedback_id, image.extension),
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        size_bytes=len(image.content),
        created_at=datetime.now(UTC),
    )
    session.add(photo)
    await session.flush()
    await storage.save(session, photo, image.content)  # before the commit: a committed row has its photo
    workflow.record_event(session, feedback, actor_id=resident.user_id, actor_role="resident", action="photo")
    return photo


async def _require_author_not_erased(session: AsyncSession, author_id: int) -> None:
    """The account may have been erased (DELETE /v1/me) since the request was signed in: answered as that
    account's next request is. Its row, shared-locked until the commit, stays unerased until then (the erasure
    locks it before it removes the photos)."""
    deleted_at = await session.scalar(
        select(UserAccount.deleted_at).where(UserAccount.id == author_id).with_for_update(read=True)
    )
    if deleted_at is not None:
        raise InvalidToken("this account is disabled or no longer exists")


def _require_open_for_photos(feedback: Feedback) -> None:
    if feedback.status not in states.OPEN_STATUSES:
        raise Conflict(f"photos can be added while the feedback is open, not when it is {feedback.status}")


async def photo_content(
    session: AsyncSession, storage: PhotoStorage, feedback_id: int, photo_id: int
) -> tuple[bytes, str]:
    photo = await session.get(FeedbackPhoto, photo_id)
    if photo is None or photo.feedback_id != feedback_id:
        raise NotFound(f"there is no photo {photo_id} on feedback {feedback_id}")
    return await storage.load(session, photo), photo.content_type


async def remove_photos_of_author(session: AsyncSession, storage: PhotoStorage, author_id: int) -> None:
    """Every photo on the author's feedback, rows now and their content once the removal commits (an erased
    account), in whichever store they are kept."""
    await photo_stores.remove_all_of_author(session, storage, author_id)


async def remove_orphaned_photos(session: AsyncSession, storage: PhotoStorage | None, now: datetime) -> int:
    """Photos in the store that no row names, stored long enough ago that no upload still holds them (upkeep)."""
    return 0 if storage is None else await photo_stores.remove_orphans(session, storage, now)
