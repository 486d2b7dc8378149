"""Operators' endpoints on residents' corrections of the listings in their districts."""

from fastapi import APIRouter, Depends

from api.curation.corrections import service as corrections
from api.curation.corrections.schemas import (
    CorrectedListing,
    CorrectionApply,
    CorrectionDecline,
    CorrectionItem,
    CorrectionOutcome,
    CorrectionPage,
)
from api.db import ReadSessionDep, SessionDep
from api.deps import Operator
from api.http import PathId, no_store
from api.pagination import CursorParam, LimitParam
from models import Place

router = APIRouter(prefix="/v1/manage", tags=["curation"], dependencies=[Depends(no_store)])

_SETTLING_ERRORS: dict[int | str, dict[str, str]] = {
    404: {"description": "No correction of a listing in your districts has this id (`not_found`)"},
    409: {"description": "The correction is settled already (`correction_closed`)"},
}


def _listing(place: Place) -> CorrectedListing:
    return CorrectedListing(id=place.id, name=place.name, status=place.status, version=place.version)


def _outcome(settled: corrections.Settled) -> CorrectionOutcome:
    feedback = settled.feedback
    return CorrectionOutcome(
        id=feedback.id,
        ref=feedback.ref,
        status=feedback.status,
        resolved_at=feedback.resolved_at,
        listing=_listing(settled.place),
        field=feedback.correction_field or "",
        value=settled.value,
        changed=settled.changed,
    )


@router.get("/corrections", response_model=CorrectionPage)
async def list_corrections(
    operator: Operator, session: ReadSessionDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> CorrectionPage:
    """Residents' open corrections of listings in your districts, the soonest due first: each with the listing's
    current value of the field beside the suggested one, and the suggestion read as a value where it can be."""
    items, next_cursor = await corrections.open_corrections(session, operator, limit=limit, cursor=cursor)
    return CorrectionPage(
        items=[
            CorrectionItem(
                id=item.feedback.id,
                ref=item.feedback.ref,
                status=item.feedback.status,
                received_at=item.feedback.created_at,
                due_at=item.feedback.due_at,
                title=item.feedback.title,
                body=item.feedback.body,
                listing=_listing(item.place),
                field=item.feedback.correction_field or "",
                current_value=item.current,
                suggested_value=item.feedback.correction_value,
                proposal=item.proposal,
                proposal_problem=item.proposal_problem,
            )
            for item in items
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/corrections/{feedback_id}/apply",
    response_model=CorrectionOutcome,
    responses={
        **_SETTLING_ERRORS,
        422: {
            "description": "`correction_not_applicable`: the suggestion cannot be used as it is and no value was "
            "sent; `validation_failed`: the value would not make a valid listing"
        },
    },
)
async def apply_correction(
    operator: Operator, feedback_id: PathId, body: CorrectionApply, session: SessionDep
) -> CorrectionOutcome:
    """Correct the listing with `value` (or, left out, the resident's suggestion as read): a new version whose
    source is this correction. The correction is resolved with the public `reply` and the resident notified, in
    the same transaction: if either fails, nothing is written."""
    settled = await corrections.apply(
        session,
        operator,
        feedback_id,
        value=body.value,
        value_given="value" in body.model_fields_set,
        reply=body.reply,
        reason=body.reason,
    )
    return _outcome(settled)


@router.post("/corrections/{feedback_id}/decline", response_model=CorrectionOutcome, responses=_SETTLING_ERRORS)
async def decline_correction(
    operator: Operator, feedback_id: PathId, body: CorrectionDecline, session: SessionDep
) -> CorrectionOutcome:
    """Resolve the correction with the public `reply` (why the listing is right), the listing unchanged; the
    `reason` goes to the audit trail and the feedback's internal notes."""
    return _outcome(await corrections.decline(session, operator, feedback_id, reply=body.reply, reason=body.reason))
