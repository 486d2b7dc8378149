"""The feedback team's side: the queue, assignment, moves, replies and notes, likely duplicates, phone reveal."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.db import get_or_404
from api.deps import Principal
from api.errors import Conflict, ValidationFailed
from api.feedback import notifications, states, workflow
from api.geo import bounding_box, haversine_m
from api.http import MAX_ID
from api.pagination import decode_cursor, keyset_rows, next_cursor, rows_by_id
from api.textsearch.tokens import text_tokens
from models import STAFF_ROLES, Feedback, ResponseTemplate, UserAccount

DUPLICATE_WINDOW = timedelta(days=30)
DUPLICATE_RADIUS_M = 200.0
MIN_SIMILARITY = 0.2
# Tries at linking to the original of a chain that other reviewers keep re-linking at the same moment.
LINK_ATTEMPTS = 3
WORKLIST_CURSOR = "triage-worklist"

logger = structlog.get_logger(__name__)


class DuplicateLoop(Conflict):
    code, title = "duplicate_loop", "These feedback are linked as duplicates of each other in a loop"


class DuplicatesChanging(Conflict):
    code, title = "duplicates_changing", "The duplicates of this feedback are being re-linked; try again"


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    district: str | None = None
    kind: str | None = None
    category: str | None = None
    overdue: bool = False
    assignee: str | None = None  # "me", "none" or a user id
    q: str | None = None
    open_only: bool = False  # any of the open statuses (states.OPEN_STATUSES)


async def get(session: AsyncSession, feedback_id: int) -> Feedback:
    return await get_or_404(session, Feedback, feedback_id, "feedback")


def _filtered(statement: Select, reviewer: Principal, filters: QueueFilter, *, by_status: bool = True) -> Select | None:
    """`statement` narrowed to the feedback the filters let through (without the status ones unless `by_status`);
    None when nothing can match."""
    if by_status and filters.status:
        statement = statement.where(Feedback.status == filters.status)
    if by_status and filters.open_only:
        statement = statement.where(Feedback.status.in_(states.OPEN_STATUSES))
    if filters.district:
        statement = statement.where(Feedback.district_code == filters.district)
    if filters.kind:
        statement = statement.where(Feedback.kind == filters.kind)
    if filters.category:
        statement = statement.where(
            or_(
                Feedback.target_category == filters.category,
                Feedback.target_category.startswith(filters.category + ".", autoescape=True),
            )
        )
    if filters.overdue:
        statement = statement.where(Feedback.status.in_(states.OPEN_STATUSES), Feedback.due_at < datetime.now(UTC))
    if filters.assignee == "me":
        statement = statement.where(Feedback.assignee_id == reviewer.user_id)
    elif filters.assignee == "none":
        statement = statement.where(Feedback.assignee_id.is_(None))
    elif filters.assignee:
        assignee_id = int(filters.assignee)
        if assignee_id > MAX_ID:
            # No one has an id beyond a 32-bit integer (nor could the column hold one): nothing is assigned to it.
            return None
        statement = statement.where(Feedback.assignee_id == assignee_id)
    if filters.q:
        words = filters.q.strip()
        statement = statement.where(
            or_(
                Feedback.title.contains(words, autoescape=True),
                Feedback.body.contains(words, autoescape=True),
                Feedback.ref == words.upper(),
            )
        )
    return statement


async def queue(
    session: AsyncSession, reviewer: Principal, filters: QueueFilter, *, limit: int, cursor: str | None
) -> tuple[list[Feedback], str | None]:
    """Oldest first: the queue is worked from its oldest (and so most urgent) end."""
    statement = _filtered(select(Feedback), reviewer, filters)
    if statement is None:
        return [], None
    return await rows_by_id(session, statement, Feedback.id, kind="triage", limit=limit, cursor=cursor)


def _overdue_rank(now: datetime) -> ColumnElement[int]:
    """0 for an open feedback past its deadline at `now`, 1 for every other."""
    return case((and_(Feedback.status.in_(states.OPEN_STATUSES), Feedback.due_at < now), 0), else_=1)


async def worklist(
    session: AsyncSession,
    reviewer: Principal,
    filters: QueueFilter,
    *,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> tuple[list[Feedback], str | None]:
    """The queue as a caseworker works it: the overdue first, then by deadline, the earliest first (and by id).

    Whether a feedback is overdue depends on the moment: the cursor keeps the first page's, so that a feedback
    falling overdue while the pages are turned neither shows twice nor goes missing."""
    position = decode_cursor(cursor, WORKLIST_CURSOR, (datetime, int, datetime, int))
    as_of = position[0] if position else now or datetime.now(UTC)
    statement = _filtered(select(Feedback), reviewer, filters)
    if statement is None:
        return [], None
    order = [(_overdue_rank(as_of), False), (Feedback.due_at, False), (Feedback.id, False)]
    rows = await keyset_rows(session, statement, order, position[1:] if position else None, limit + 1, scalars=True)

    def key(feedback: Feedback) -> list:
        rank = 0 if feedback.status in states.OPEN_STATUSES and feedback.due_at < as_of else 1
        return [as_of.isoformat(), rank, feedback.due_at.isoformat(), feedback.id]

    return rows[:limit], next_cursor(rows, limit, WORKLIST_CURSOR, key)


async def status_counts(session: AsyncSession, reviewer: Principal, filters: QueueFilter) -> dict[str, int]:
    """How many feedback of each status the other filters let through (statuses with none left out)."""
    statement = _filtered(select(Feedback.status, func.count()), reviewer, filters, by_status=False)
    if statement is None:
        return {}
    return {status: count for status, count in await session.execute(statement.group_by(Feedback.status))}


async def transition(
    session: AsyncSession,
    reviewer: Principal,
    feedback_id: int,
    target: str,
    *,
    public_reply: str | None,
    note: str | None,
    duplicate_of: int | None,
) -> Feedback:
    feedback = await get(session, feedback_id)
    notice = None
    if target == "duplicate":
        original = await _original_for(session, feedback, duplicate_of)
        feedback.duplicate_of_id = original.id
        # This feedback's own duplicates follow it to the root, in the same transaction: chains never form, so
        # their authors are told when the root is resolved (notifications.tell_duplicates_resolved).
        await session.execute(
            update(Feedback).where(Feedback.duplicate_of_id == feedback.id).values(duplicate_of_id=original.id)
        )
        notice = (
            public_reply
            or f"您的反馈与 {original.ref} 反映的是同一问题，将与其一并处理，请关注 {original.ref} 的进展。"
        )
    elif duplicate_of is not None:
        raise ValidationFailed("duplicate_of goes with to=duplicate only")
    else:
        await workflow.lock(session, feedback.id)  # its status is checked again, locked, by the move
    await workflow.move(
        session,
        feedback,
        target,
        actor=states.TEAM,
        actor_id=reviewer.user_id,
        actor_role=reviewer.role,
        public_reply=public_reply,
        note=note,
        notice=notice,
    )
    return feedback


async def resolve_locked(
    session: AsyncSession, staff: Principal, feedback: Feedback, public_reply: str, *, note: str | None = None
) -> Feedback:
    """Resolve a feedback that the caller has locked (workflow.lock) and settled in the same transaction (an
    operator applying or declining a resident's correction), from whichever open status it is in: through accepted
    and in_progress when it has not got there yet, as the workflow allows, each step in its public history. The
    resident is told once, of the resolution and its `public_reply`; `note` stays internal."""
    steps = states.path_to(feedback.status, "resolved", states.TEAM)
    for step in steps:
        last = step == steps[-1]
        await workflow.move(
            session,
            feedback,
            step,
            actor=states.TEAM,
            actor_id=staff.user_id,
            actor_role=staff.role,
            public_reply=public_reply if last else None,
            note=note if last else None,
            tell_resident=last,
        )
    return feedback


async def _original_for(session: AsyncSession, feedback: Feedback, original_id: int | None) -> Feedback:
    """The root of `original_id`'s duplicate chain (linking to the root keeps chains from forming), with it and
    `feedback` locked: two reviewers marking A and B duplicates of each other then take turns, and the second
    finds that B's root is now B itself."""
    if original_id is None:
        raise ValidationFailed(
            "marking a duplicate needs duplicate_of, the id of the original",
            errors=[{"loc": ["body", "duplicate_of"], "msg": "required", "type": "duplicate_of_required"}],
        )
    if original_id == feedback.id or await session.get(Feedback, original_id) is None:
        raise ValidationFailed(f"there is no other feedback {original_id} to link to")
    for _ in range(LINK_ATTEMPTS):
        root_id = await _root_of(session, original_id)
        if root_id == feedback.id:
            raise ValidationFailed("a feedback cannot be a duplicate of its own duplicate")
        # Both rows locked in id order, and the root checked to be a root still under the lock. If another
        # reviewer made it a duplicate meanwhile, its locks are given back (the savepoint) and the chain read
        # again, so that rows are only ever locked in id order.
        attempt = await session.begin_nested()
        root = (await workflow.lock(session, feedback.id, root_id))[root_id]
        if root.duplicate_of_id is None:
            await attempt.commit()
            return root
        await attempt.rollback()
    raise DuplicatesChanging(f"feedback {original_id} is being linked to others right now; try again")


async def _root_of(session: AsyncSession, feedback_id: int) -> int:
    """The end of a chain of duplicates. A loop, which the locks above keep from forming but an old or hand-made
    row may hold, is refused instead of followed forever."""
    chain = [feedback_id]
    while (
        following := await session.scalar(select(Feedback.duplicate_of_id).where(Feedback.id == chain[-1]))
    ) is not None:
        if following in chain:
            loop = chain[chain.index(following) :]
            logger.warning("feedback_duplicate_loop", feedback_ids=loop)
            raise DuplicateLoop(
                f"feedback {', '.join(map(str, loop))} are linked as duplicates of each other in a loop; "
                "it cannot be linked to until their links are repaired"
            )
        chain.append(following)
    return chain[-1]


async def assign(session: AsyncSession, reviewer: Principal, feedback_id: int, assignee_id: int | None) -> Feedback:
    feedback = await get(session, feedback_id)
    if assignee_id is not None:
        role = await session.scalar(
            select(UserAccount.role).where(UserAccount.id == assignee_id, UserAccount.is_active)
        )
        if role not in STAFF_ROLES or role == "operator":
            raise ValidationFailed(
                f"user {assignee_id} is not an active reviewer or admin",
                errors=[{"loc": ["body", "user_id"], "msg": "not on the feedback team", "type": "invalid_assignee"}],
            )
    feedback.assignee_id = assignee_id
    feedback.updated_at = datetime.now(UTC)
    workflow.record_event(
        session,
        feedback,
        actor_id=reviewer.user_id,
        actor_role=reviewer.role,
        action="assigned",
        message=str(assignee_id) if assignee_id else "unassigned",
        public=False,
    )
    await session.flush()
    return feedback


async def reply(
    session: AsyncSession,
    reviewer: Principal,
    feedback_id: int,
    message: str | None,
    template_id: int | None,
    public: bool,
) -> Feedback:
    feedback = await get(session, feedback_id)
    if template_id is not None:
        template = await session.get(ResponseTemplate, template_id)
        if template is None:
            raise ValidationFailed(f"there is no template {template_id}")
        message = template.body
    workflow.record_event(
        session,
        feedback,
        actor_id=reviewer.user_id,
        actor_role=reviewer.role,
        action="reply" if public else "note",
        message=message,
        public=public,
    )
    feedback.updated_at = datetime.now(UTC)
    if public:
        await notifications.notify(session, feedback, "reply", message or "")
    await session.flush()
    return feedback


async def reveal_phone(session: AsyncSession, reviewer: Principal, feedback_id: int, reason: str) -> str | None:
    feedback = await get(session, feedback_id)
    phone = None
    if feedback.author_id is not None:
        phone = await session.scalar(select(UserAccount.phone).where(UserAccount.id == feedback.author_id))
    audit.record(
        session,
        actor_id=reviewer.user_id,
        action="feedback.reveal_phone",
        object_type="feedback",
        object_id=feedback_id,
        reason=reason,
        details={"ref": feedback.ref, "author_id": feedback.author_id},
    )
    await session.flush()
    return phone


async def likely_duplicates(session: AsyncSession, feedback_id: int, limit: int = 10) -> list[dict]:
    """Other feedback of the last 30 days about the same target or within 200 m, with similar words."""
    feedback = await get(session, feedback_id)
    since = feedback.created_at - DUPLICATE_WINDOW
    # Where a duplicate may be: about the same target, or in the box around the point (the exact circle below).
    where = []
    if feedback.target_kind:
        where.append(and_(Feedback.target_kind == feedback.target_kind, Feedback.target_key == feedback.target_key))
    if feedback.lat is not None:
        south, north, west, east = bounding_box(feedback.lat, feedback.lng, DUPLICATE_RADIUS_M)
        where.append(and_(Feedback.lat.between(south, north), Feedback.lng.between(west, east)))
    if not where:
        return []
    candidates = (
        (
            await session.execute(
                select(Feedback)
                .where(
                    Feedback.id != feedback.id,
                    Feedback.created_at >= since,
                    Feedback.status != "rejected",
                    or_(*where),
                )
                .limit(500)
            )
        )
        .scalars()
        .all()
    )
    words = set(text_tokens(f"{feedback.title} {feedback.body}"))
    found = []
    for candidate in candidates:
        distance = (
            haversine_m(feedback.lat, feedback.lng, candidate.lat, candidate.lng)
            if feedback.lat is not None and candidate.lat is not None
            else None
        )
        is_same_target = bool(feedback.target_kind) and (candidate.target_kind, candidate.target_key) == (
            feedback.target_kind,
            feedback.target_key,
        )
        if not is_same_target and (distance is None or distance > DUPLICATE_RADIUS_M):
            continue
        other = set(text_tokens(f"{candidate.title} {candidate.body}"))
        similarity = len(words & other) / len(words | other) if words | other else 0.0
        if similarity >= MIN_SIMILARITY:
            found.append((similarity, candidate, distance, is_same_target))
    found.sort(key=lambda item: (-item[0], item[1].id))
    return [
        {
            "candidate": candidate,
            "similarity": round(similarity, 3),
            "distance_m": round(distance, 1) if distance is not None else None,
            "same_target": is_same_target,
        }
        for similarity, candidate, distance, is_same_target in found[:limit]
    ]
