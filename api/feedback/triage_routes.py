"""The feedback team's endpoints (reviewers; admins too, except revealing phone numbers)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from api.db import ReadSessionDep, SessionDep
from api.deps import PhoneRevealer, Reviewer
from api.feedback import templates, triage, views
from api.feedback.schemas import (
    AssignRequest,
    DuplicateCandidate,
    Kind,
    ReplyRequest,
    RevealedPhone,
    RevealRequest,
    Status,
    TemplateCreate,
    TemplatePublic,
    TemplateUpdate,
    TransitionRequest,
    TriageDetail,
    TriageItem,
    TriagePage,
)
from api.http import PathId, no_store
from api.pagination import CursorParam, LimitParam
from models import Feedback

router = APIRouter(prefix="/v1/triage", tags=["triage"], dependencies=[Depends(no_store)])


def _item(feedback: Feedback, phones: dict[int, str | None]) -> TriageItem:
    return TriageItem(
        **views.summary(feedback),
        target_category=feedback.target_category,
        assignee_id=feedback.assignee_id,
        overdue=views.overdue(feedback),
        author_phone=phones.get(feedback.author_id) if feedback.author_id is not None else None,
    )


@router.get("/feedback", response_model=TriagePage)
async def triage_queue(
    reviewer: Reviewer,
    session: ReadSessionDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    district: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    kind: Kind | None = None,
    category: Annotated[str | None, Query(max_length=60, description="Target category, parents included")] = None,
    overdue: bool = False,
    assignee: Annotated[
        str | None, Query(pattern=r"^(me|none|[0-9]{1,10})$", description="me, none or a user id")
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Words of the title or body, or a ref")
    ] = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> TriagePage:
    """The queue, oldest first, with filters; phone numbers masked."""
    filters = triage.QueueFilter(
        status=status_, district=district, kind=kind, category=category, overdue=overdue, assignee=assignee, q=q
    )
    items, next_cursor = await triage.queue(session, reviewer, filters, limit=limit, cursor=cursor)
    phones = await views.masked_author_phones(session, items)
    return TriagePage(items=[_item(item, phones) for item in items], next_cursor=next_cursor)


@router.get("/feedback/{feedback_id}", response_model=TriageDetail)
async def triage_detail(_: Reviewer, feedback_id: PathId, session: ReadSessionDep) -> dict:
    """Everything about one feedback, internal notes included; the phone masked."""
    return await views.detail(session, await triage.get(session, feedback_id), for_team=True)


@router.post(
    "/feedback/{feedback_id}/transition",
    response_model=TriageDetail,
    responses={
        409: {
            "description": "invalid_transition; duplicate_loop (the original's duplicates link in a loop); "
            "duplicates_changing (being re-linked at this moment: try again)"
        }
    },
)
async def transition_feedback(
    reviewer: Reviewer, feedback_id: PathId, body: TransitionRequest, session: SessionDep
) -> dict:
    """Move the status (checked against the workflow); rejected and resolved need a public_reply."""
    feedback = await triage.transition(
        session,
        reviewer,
        feedback_id,
        body.to,
        public_reply=body.public_reply,
        note=body.note,
        duplicate_of=body.duplicate_of,
    )
    return await views.detail(session, feedback, for_team=True)


@router.post("/feedback/{feedback_id}/assign", response_model=TriageDetail)
async def assign_feedback(reviewer: Reviewer, feedback_id: PathId, body: AssignRequest, session: SessionDep) -> dict:
    feedback = await triage.assign(session, reviewer, feedback_id, body.user_id)
    return await views.detail(session, feedback, for_team=True)


@router.post("/feedback/{feedback_id}/replies", response_model=TriageDetail, status_code=status.HTTP_201_CREATED)
async def reply_to_feedback(reviewer: Reviewer, feedback_id: PathId, body: ReplyRequest, session: SessionDep) -> dict:
    """A public reply (the resident is notified) or, with public=false, an internal note."""
    feedback = await triage.reply(session, reviewer, feedback_id, body.message, body.template_id, body.public)
    return await views.detail(session, feedback, for_team=True)


@router.get("/feedback/{feedback_id}/duplicates", response_model=list[DuplicateCandidate])
async def likely_duplicates(_: Reviewer, feedback_id: PathId, session: ReadSessionDep) -> list[DuplicateCandidate]:
    """Feedback of the last 30 days on the same target or within 200 m, with similar words, most alike first."""
    found = await triage.likely_duplicates(session, feedback_id)
    return [
        DuplicateCandidate(
            **views.summary(item["candidate"]),
            similarity=item["similarity"],
            distance_m=item["distance_m"],
            same_target=item["same_target"],
        )
        for item in found
    ]


@router.post("/feedback/{feedback_id}/reveal-phone", response_model=RevealedPhone)
async def reveal_phone(
    reviewer: PhoneRevealer, feedback_id: PathId, body: RevealRequest, session: SessionDep
) -> RevealedPhone:
    """The author's full phone number, for a call back; who, when, which record and why go to the audit trail."""
    return RevealedPhone(phone=await triage.reveal_phone(session, reviewer, feedback_id, body.reason))


@router.get("/templates", response_model=list[TemplatePublic])
async def list_templates(_: Reviewer, session: ReadSessionDep, kind: Kind | None = None) -> list:
    return [
        TemplatePublic.model_validate(item, from_attributes=True) for item in await templates.list_all(session, kind)
    ]


@router.post("/templates", response_model=TemplatePublic, status_code=status.HTTP_201_CREATED)
async def create_template(reviewer: Reviewer, body: TemplateCreate, session: SessionDep) -> TemplatePublic:
    template = await templates.create(session, reviewer, body.name, body.kind, body.body)
    return TemplatePublic.model_validate(template, from_attributes=True)


@router.patch("/templates/{template_id}", response_model=TemplatePublic)
async def update_template(
    reviewer: Reviewer, template_id: PathId, body: TemplateUpdate, session: SessionDep
) -> TemplatePublic:
    template = await templates.update(session, reviewer, template_id, body.model_dump(exclude_unset=True))
    return TemplatePublic.model_validate(template, from_attributes=True)


@router.delete("/templates/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_template(reviewer: Reviewer, template_id: PathId, session: SessionDep) -> Response:
    await templates.delete(session, reviewer, template_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
