"""One feedback as the team works it: what the resident wrote, the timeline, and every move the team may make on it
(assign, answer, change its status, note, link as a duplicate, reveal the phone)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.console.auth import OPERATORS, ConsoleReviewer, ConsoleUser
from api.console.feedback.labels import (
    BY_LABELS,
    HISTORY_LABELS,
    KIND_LABELS,
    MOVE_LABELS,
    STATUS_LABELS,
    TARGET_LABELS,
)
from api.console.feedback.shared import PHONE_REVEALERS, ConsolePhoneRevealer, deadline_of, names_for
from api.console.forms import field_errors, form_values, validated
from api.console.i18n import N_, language_of
from api.console.notices import register
from api.console.rendering import redirect, render
from api.db import ReadSessionDep, SessionDep, attempt
from api.directory import service as directory
from api.errors import ValidationFailed
from api.feedback import service, states, templates, triage, views
from api.feedback.schemas import AssignRequest, ReplyRequest, RevealRequest, TransitionRequest
from api.http import MAX_ID, PathId, plain

router = APIRouter()

register(
    {
        "feedback_assigned": N_("The assignment is saved."),
        "feedback_moved": N_("The status is changed."),
        "feedback_linked": N_("Linked as a duplicate: its resident is told to follow the original."),
        "feedback_replied": N_("The reply is sent to the resident."),
        "feedback_noted": N_("The internal note is saved."),
    }
)
NUMBERED_TARGETS = ("place", "event", "article")


def _case_path(feedback_id: int) -> str:
    return f"/console/feedback/{feedback_id}"


def _team_moves(status: str) -> list[str]:
    """The statuses the team may move a feedback in `status` to, in the order their buttons show."""
    allowed = {to for (origin, to), actor in states.TRANSITIONS.items() if origin == status and actor == states.TEAM}
    return [to for to in MOVE_LABELS if to in allowed]


async def _target(session: SessionDep, request: Request, user: ConsoleUser, detail: dict) -> dict | None:
    target = detail["target"]
    if target is None:
        return None
    key: Any = target["id"]
    if target["kind"] in NUMBERED_TARGETS and str(key).isdigit():
        key = int(key)
    summary = (await directory.summaries(session, language_of(request), [(target["kind"], key)])).get(
        (target["kind"], key)
    )
    facts = plain(summary) if summary is not None else {}
    # The listing's page is the operators' (reviewers do not edit listings): linked for those who may open it.
    link = f"/console/listings/{key}" if target["kind"] == "place" and user.may(OPERATORS) else None
    return {
        "kind": target["kind"],
        "id": key,
        "name": facts.get("name") or facts.get("title"),
        "address": facts.get("address"),
        "link": link,
    }


async def _case_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    feedback_id: int,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    template_id: int | None = None,
    revealed: dict | None = None,
    status: int = 200,
) -> Response:
    feedback = await triage.get(session, feedback_id)
    detail = await views.detail(session, feedback, for_team=True)
    names = await names_for(session, request)
    values = dict(values or {})
    replies = await templates.list_all(session, feedback.kind)
    chosen = next((template for template in replies if template.id == template_id), None)
    if chosen is not None:
        values["public_reply"] = chosen.body
    moves = _team_moves(feedback.status)
    history = [
        {
            **entry,
            "assignee": names.person(int(entry["message"]))
            if entry["action"] == "assigned" and (entry["message"] or "").isdigit()
            else None,
        }
        for entry in detail["history"]
    ]
    return render(
        request,
        "feedback/case.html",
        {
            "feedback": feedback,
            "detail": detail,
            "history": history,
            "district": names.district(feedback.district_code),
            "category": names.category(feedback.target_category) if feedback.target_category else None,
            "assignee": names.person(feedback.assignee_id),
            "deadline": deadline_of(feedback),
            "target": await _target(session, request, user, detail),
            "duplicates": await triage.likely_duplicates(session, feedback_id),
            "may_link": "duplicate" in {to for (origin, to) in states.TRANSITIONS if origin == feedback.status},
            "moves": moves,
            "reply_templates": [(template.id, template.name) for template in replies],
            "chosen_template": chosen.id if chosen else "",
            "team": sorted(names.team.items(), key=lambda item: item[1]),
            "may_reveal": user.may(PHONE_REVEALERS) and feedback.author_id is not None,
            "revealed": revealed,
            "errors": errors or {},
            "values": values,
            "labels": {
                "status": STATUS_LABELS,
                "kind": KIND_LABELS,
                "move": MOVE_LABELS,
                "history": HISTORY_LABELS,
                "by": BY_LABELS,
                "target": TARGET_LABELS,
            },
        },
        status=status,
    )


@router.get("/{feedback_id}")
async def case_page(
    request: Request,
    user: ConsoleReviewer,
    feedback_id: PathId,
    session: ReadSessionDep,
    template: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    return await _case_page(request, session, user, feedback_id, template_id=template)


@router.get("/{feedback_id}/photos/{photo_id}")
async def case_photo(
    request: Request, _: ConsoleReviewer, feedback_id: PathId, photo_id: PathId, session: ReadSessionDep
) -> Response:
    """A photo of the feedback, from the same service as the API's `GET /v1/feedback/{id}/photos/{photo_id}`."""
    content, content_type = await service.photo_content(session, request.app.state.photo_storage, feedback_id, photo_id)
    return Response(content, media_type=content_type)


async def _submitted(
    request: Request, session: SessionDep, user: ConsoleUser, feedback_id: int, work: Any, notice: str
) -> Response:
    """Run a change: on success back to the case with a notice, else the case again with the errors beside the
    form that caused them and what was typed still in it."""
    values = form_values(await request.form())
    _, error = await attempt(session, work(values))
    if error is not None:
        return await _case_page(
            request,
            session,
            user,
            feedback_id,
            errors=field_errors(request, error),
            values=values,
            status=error.status,
        )
    return redirect(request, _case_path(feedback_id), notice=notice)


def _required(values: dict[str, str], field: str) -> str:
    text = values.get(field, "").strip()
    if not text:
        raise ValidationFailed(
            f"{field} is empty", errors=[{"loc": ["body", field], "msg": "write it first", "type": "text_required"}]
        )
    return text


@router.post("/{feedback_id}/assign")
async def assign_case(request: Request, user: ConsoleReviewer, feedback_id: PathId, session: SessionDep) -> Response:
    async def work(values: dict[str, str]) -> None:
        chosen = values.get("user_id", "")
        body = validated(AssignRequest, {"user_id": user.principal.user_id if chosen == "me" else chosen or None})
        await triage.assign(session, user.principal, feedback_id, body.user_id)

    return await _submitted(request, session, user, feedback_id, work, "feedback_assigned")


@router.post("/{feedback_id}/transition")
async def move_case(request: Request, user: ConsoleReviewer, feedback_id: PathId, session: SessionDep) -> Response:
    values = form_values(await request.form())

    async def work(values: dict[str, str]) -> None:
        body = validated(
            TransitionRequest,
            {
                "to": values.get("to"),
                "public_reply": values.get("public_reply", "").strip() or None,
                "duplicate_of": values.get("duplicate_of") or None,
            },
        )
        await triage.transition(
            session,
            user.principal,
            feedback_id,
            body.to,
            public_reply=body.public_reply,
            note=None,
            duplicate_of=body.duplicate_of,
        )

    notice = "feedback_linked" if values.get("to") == "duplicate" else "feedback_moved"
    return await _submitted(request, session, user, feedback_id, work, notice)


@router.post("/{feedback_id}/reply")
async def reply_to_case(request: Request, user: ConsoleReviewer, feedback_id: PathId, session: SessionDep) -> Response:
    async def work(values: dict[str, str]) -> None:
        message = _required(values, "public_reply")
        body = validated(ReplyRequest, {"message": message, "public": True}, {"message": "public_reply"})
        await triage.reply(session, user.principal, feedback_id, body.message, None, public=True)

    return await _submitted(request, session, user, feedback_id, work, "feedback_replied")


@router.post("/{feedback_id}/note")
async def note_on_case(request: Request, user: ConsoleReviewer, feedback_id: PathId, session: SessionDep) -> Response:
    async def work(values: dict[str, str]) -> None:
        message = _required(values, "note")
        body = validated(ReplyRequest, {"message": message, "public": False}, {"message": "note"})
        await triage.reply(session, user.principal, feedback_id, body.message, None, public=False)

    return await _submitted(request, session, user, feedback_id, work, "feedback_noted")


@router.post("/{feedback_id}/reveal-phone")
async def reveal_phone(
    request: Request, user: ConsolePhoneRevealer, feedback_id: PathId, session: SessionDep
) -> Response:
    """The resident's whole number, in this answer only (never in a page one may reload or go back to); the
    service records who asked, when and why."""
    values = form_values(await request.form())

    async def work() -> str | None:
        body = validated(RevealRequest, {"reason": values.get("reason", "").strip()})
        return await triage.reveal_phone(session, user.principal, feedback_id, body.reason)

    phone, error = await attempt(session, work())
    if error is not None:
        return await _case_page(
            request, session, user, feedback_id, errors=field_errors(request, error), values=values, status=error.status
        )
    return await _case_page(request, session, user, feedback_id, revealed={"phone": phone})
