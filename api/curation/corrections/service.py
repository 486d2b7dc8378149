"""Residents' corrections of listings, worked by the operators of the listing's district: the open ones with the
listing's current value beside the suggested one; applied (a new version of the listing whose source is the
correction) or declined, either way resolving the feedback with a public reply through the feedback workflow, in
the request's one transaction."""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.curation.corrections.values import (
    CLOSED_STATUS,
    CorrectionNotApplicable,
    Unreadable,
    current_value,
    fields_with,
    proposal,
    read_suggestion,
)
from api.curation.places import writes as place_writes
from api.deps import Principal
from api.errors import Conflict, NotFound, ValidationFailed
from api.feedback import states, triage, workflow
from api.http import id_from_text
from api.pagination import keyset_page
from models import Category, Feedback, Place

CURSOR_KIND = "corrections"


class CorrectionClosed(Conflict):
    code, title = "correction_closed", "This correction has been settled already"


@dataclass(frozen=True)
class OpenCorrection:
    feedback: Feedback
    place: Place
    current: Any
    proposal: Any
    proposal_problem: str | None


@dataclass(frozen=True)
class Settled:
    feedback: Feedback
    place: Place
    changed: bool
    value: Any


def _reachable_corrections(operator: Principal):  # noqa: ANN202  (a select of (Feedback, Place))
    statement = (
        select(Feedback, Place)
        .join(Place, Feedback.target_key == cast(Place.id, String))
        .where(
            Feedback.kind == "correction",
            Feedback.target_kind == "place",
            Feedback.status.in_(states.OPEN_STATUSES),
            Place.deleted_at.is_(None),
        )
    )
    if operator.role != "admin":
        statement = statement.where(Place.district_code.in_(sorted(operator.districts)))
    return statement


async def _categories(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(select(Category.code, Category.name).where(Category.kind == "place"))
    return {text: code for code, name in rows for text in (code, name)}


async def value_from_text(session: AsyncSession, field: str, text: str) -> Any:
    """A value of `field` an operator wrote as text (a form's field), read as a resident's suggestion is (phones and
    accessibility codes separated by `;`, hours in the opening_hours syntax, a category by code or name), and
    besides: a location as `lat, lng` in WGS-84, the status as written, attributes as JSON. Empty text empties the
    field. 422 (`correction_not_applicable`, at `value`) when it cannot be read."""
    written = text.strip()
    if not written:
        return None
    try:
        if field == "status":
            return written
        if field == "location":
            return _location_from_text(written)
        if field == "attributes":
            return _attributes_from_text(written)
        categories = await _categories(session) if field == "category" else {}
        return read_suggestion(field, written, categories)
    except Unreadable as unreadable:
        raise CorrectionNotApplicable(
            str(unreadable), errors=[{"loc": ["body", "value"], "msg": str(unreadable), "type": "unreadable_value"}]
        ) from None


def _location_from_text(text: str) -> dict[str, float]:
    parts = [part for part in re.split(r"[\s,，;；]+", text) if part]
    try:
        lat, lng = (float(part) for part in parts)
    except ValueError:
        raise Unreadable("write the location as latitude, longitude (WGS-84), e.g. 31.19, 121.43") from None
    return {"lat": lat, "lng": lng}


def _attributes_from_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise Unreadable("write the attributes as a JSON object, as an export's attributes column") from None


async def open_corrections(
    session: AsyncSession, operator: Principal, *, limit: int, cursor: str | None
) -> tuple[list[OpenCorrection], str | None]:
    """The open corrections of listings in the operator's districts, the soonest due first."""
    page = await keyset_page(
        session,
        _reachable_corrections(operator),
        [(Feedback.due_at, False), (Feedback.id, False)],
        kind=CURSOR_KIND,
        shape=(datetime, int),
        limit=limit,
        cursor=cursor,
        key=lambda row: [row[0].due_at.isoformat(), row[0].id],
    )
    categories = await _categories(session) if any(f.correction_field == "category" for f, _ in page.rows) else {}
    items = []
    for feedback, place in page.rows:
        field = feedback.correction_field or ""
        value, problem = proposal(place, field, feedback.correction_value, categories)
        items.append(OpenCorrection(feedback, place, current_value(place, field), value, problem))
    return items, page.next_cursor


async def _locked_open_correction(
    session: AsyncSession, operator: Principal, feedback_id: int
) -> tuple[Feedback, Place]:
    """The correction and its listing, both locked until the request ends: a second operator settling the same
    correction at once waits here, then finds it settled (409). A feedback that is no correction of a listing in
    the operator's districts is a 404, exactly like one that does not exist."""
    missing = NotFound(f"there is no correction {feedback_id} of a listing in your districts")
    feedback = (await workflow.lock(session, feedback_id)).get(feedback_id)
    if feedback is None or feedback.kind != "correction" or feedback.target_kind != "place":
        raise missing
    place_id = id_from_text(feedback.target_key or "")
    if place_id is None:
        raise missing
    try:
        place = await place_writes.reachable_place(session, operator, place_id, for_update=True)
    except NotFound:
        raise missing from None
    if feedback.status not in states.OPEN_STATUSES:
        raise CorrectionClosed(f"correction {feedback.ref} is {feedback.status} already")
    return feedback, place


async def _write(
    session: AsyncSession, operator: Principal, place: Place, feedback: Feedback, value: Any, reason: str | None
) -> bool:
    field = feedback.correction_field or ""
    if field == "status":
        if value not in (CLOSED_STATUS, place.status):
            raise ValidationFailed(
                f"a correction of the status archives a listing that closed for good: send {CLOSED_STATUS!r}",
                errors=[{"loc": ["body", "value"], "msg": f"only {CLOSED_STATUS!r}", "type": "invalid_status"}],
            )
        if value == place.status:
            return False
        await place_writes.change_status(
            session, operator, place, "archive", reason=reason, source="correction", source_ref=feedback.id
        )
        return True
    fields = fields_with(place, field, value, location=["body", "value"])
    return await place_writes.edit_place(
        session, operator, place, fields, source="correction", source_ref=feedback.id, reason=reason
    )


async def apply(
    session: AsyncSession,
    operator: Principal,
    feedback_id: int,
    *,
    value: Any,
    value_given: bool,
    reply: str,
    reason: str | None,
) -> Settled:
    """Make the value (the operator's, or else the suggestion read as a value) the listing's new version, sourced
    to this correction, and resolve the correction with `reply`. A value the listing already has makes no version;
    the correction is resolved all the same."""
    feedback, place = await _locked_open_correction(session, operator, feedback_id)
    field = feedback.correction_field or ""
    if not value_given:
        categories = await _categories(session) if field == "category" else {}
        value, problem = proposal(place, field, feedback.correction_value, categories)
        if problem is not None:
            raise CorrectionNotApplicable(
                f"the suggested {field} {feedback.correction_value!r} cannot be used as it is ({problem}); "
                "send the value to apply, or decline the correction",
                errors=[{"loc": ["body", "value"], "msg": problem, "type": "correction_not_applicable"}],
            )
    changed = await _write(session, operator, place, feedback, value, reason)
    await triage.resolve_locked(session, operator, feedback, reply, note=reason)
    audit.record(
        session,
        actor_id=operator.user_id,
        action="correction.apply",
        object_type="feedback",
        object_id=feedback.id,
        details={
            "ref": feedback.ref,
            "place_id": place.id,
            "field": field,
            "edited": value_given,
            "changed": changed,
            "version": place.version,
        },
        reason=reason,
    )
    await session.flush()
    return Settled(feedback, place, changed, current_value(place, field))


async def apply_text(
    session: AsyncSession, operator: Principal, feedback_id: int, *, text: str, reply: str, reason: str | None
) -> Settled:
    """`apply` with the operator's value written as text (see value_from_text): the staff console's edited form."""
    feedback, _ = await _locked_open_correction(session, operator, feedback_id)
    value = await value_from_text(session, feedback.correction_field or "", text)
    return await apply(session, operator, feedback_id, value=value, value_given=True, reply=reply, reason=reason)


async def decline(session: AsyncSession, operator: Principal, feedback_id: int, *, reply: str, reason: str) -> Settled:
    """Resolve the correction with `reply` (why the listing stays as it is), the listing unchanged."""
    feedback, place = await _locked_open_correction(session, operator, feedback_id)
    await triage.resolve_locked(session, operator, feedback, reply, note=reason)
    audit.record(
        session,
        actor_id=operator.user_id,
        action="correction.decline",
        object_type="feedback",
        object_id=feedback.id,
        details={"ref": feedback.ref, "place_id": place.id, "field": feedback.correction_field},
        reason=reason,
    )
    await session.flush()
    return Settled(feedback, place, False, current_value(place, feedback.correction_field or ""))
