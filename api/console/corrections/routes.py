"""Residents' corrections of the listings in the operator's districts: the listing's value beside the suggested one;
apply the suggestion as read, apply an edited value, or decline with a reply (api/curation/corrections/service.py).
"""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from api.console.auth import ConsoleOperator, ConsoleUser
from api.console.forms import GENERAL, field_errors
from api.console.i18n import N_, text
from api.console.notices import register
from api.console.rendering import next_page_url, redirect, render
from api.curation.corrections import service as corrections
from api.curation.formats.osm_hours import format_osm_hours
from api.db import ReadSessionDep, SessionDep, attempt
from api.errors import AppError
from api.http import PathId
from api.pagination import CursorParam

router = APIRouter(prefix="/console/corrections", include_in_schema=False)

PAGE_SIZE = 20
# The service's own bounds (CorrectionApply / CorrectionDecline), checked here so that they show beside the field.
MAX_REPLY, MAX_REASON = 2000, 500

FIELD_LABELS = {
    "name": N_("Name"),
    "address": N_("Address"),
    "phones": N_("Phone numbers"),
    "opening_hours": N_("Opening hours"),
    "website": N_("Website"),
    "location": N_("Location"),
    "accessibility": N_("Accessibility"),
    "capacity": N_("Capacity"),
    "description": N_("Description"),
    "attributes": N_("Attributes"),
    "category": N_("Category"),
    "status": N_("Status"),
}
VALUE_HELP = {
    "phones": N_("Separate the numbers with ;"),
    "opening_hours": N_("In the opening_hours syntax, e.g. Mo-Fr 08:30-17:00; PH off"),
    "location": N_("Latitude, longitude in WGS-84, e.g. 31.19, 121.43"),
    "accessibility": N_("Accessibility codes separated by ;"),
    "category": N_("A category code or its Chinese name"),
    "status": N_("archived: the place has closed for good"),
    "attributes": N_("A JSON object, as in an export's attributes column"),
    "capacity": N_("A whole number"),
}

register(
    {
        "correction_applied": N_("The correction was applied and the resident was told."),
        "correction_declined": N_("The correction was declined and the resident was told."),
    }
)


def value_text(field: str, value: Any) -> str:
    """A field's value as an operator reads (and writes) it in a form."""
    if value is None:
        return ""
    if field == "opening_hours" and isinstance(value, dict):
        return format_osm_hours(value)
    if field == "location" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lng')}"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


async def _page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    *,
    cursor: str | None = None,
    failed: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    items, next_cursor = await corrections.open_corrections(session, user.principal, limit=PAGE_SIZE, cursor=cursor)
    return render(
        request,
        "corrections/index.html",
        {
            "items": items,
            "labels": FIELD_LABELS,
            "value_help": VALUE_HELP,
            "value_text": value_text,
            "failed": failed,
            "next_url": next_page_url(request, next_cursor),
        },
        status=status,
    )


@router.get("")
async def corrections_page(
    request: Request, user: ConsoleOperator, session: ReadSessionDep, cursor: CursorParam = None
) -> Response:
    return await _page(request, user, session, cursor=cursor)


def _reply_errors(request: Request, reply: str, reason: str, *, reason_required: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not reply.strip():
        errors["reply"] = [text(request, N_("Write the reply the resident will read."))]
    elif len(reply.strip()) > MAX_REPLY:
        errors["reply"] = [text(request, N_("The reply may be at most 2000 characters."))]
    if reason_required and not reason.strip():
        errors["reason"] = [text(request, N_("Say why (kept in the audit trail)."))]
    elif len(reason.strip()) > MAX_REASON:
        errors["reason"] = [text(request, N_("The reason may be at most 500 characters."))]
    return errors


async def _refused(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    feedback_id: int,
    action: str,
    values: dict[str, str],
    errors: dict[str, list[str]],
    status: int,
) -> Response:
    """The list again, the refused form open with the operator's words and the errors beside its fields."""
    failed = {"id": feedback_id, "action": action, "values": values, "errors": errors}
    return await _page(request, user, session, failed=failed, status=status)


def _service_errors(request: Request, error: AppError) -> dict[str, list[str]]:
    errors = field_errors(request, error)
    # A problem inside the value (`value.lat`, a listing field the value breaks) is shown beside the value.
    known = {"value", "reply", "reason", GENERAL}
    beside_value = [message for field, messages in errors.items() if field not in known for message in messages]
    if beside_value:
        errors = {field: messages for field, messages in errors.items() if field in known}
        errors.setdefault("value", []).extend(beside_value)
    return errors


async def _settle(
    request: Request,
    user: ConsoleUser,
    session: SessionDep,
    feedback_id: int,
    action: str,
    values: dict[str, str],
    work: Any,
    notice: str,
) -> Response:
    _, error = await attempt(session, work)
    if error is None:
        return redirect(request, "/console/corrections", notice=notice)
    if error.status in (404, 409):
        # Settled by someone else meanwhile (or gone): it has left the list; say so above it.
        failed = {"id": None, "action": action, "values": {}, "errors": field_errors(request, error)}
        return await _page(request, user, session, failed=failed, status=error.status)
    return await _refused(
        request, user, session, feedback_id, action, values, _service_errors(request, error), error.status
    )


@router.post("/{feedback_id}/apply")
async def apply_correction(
    request: Request,
    user: ConsoleOperator,
    feedback_id: PathId,
    session: SessionDep,
    reply: Annotated[str, Form(max_length=10_000)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
    value: Annotated[str | None, Form(max_length=20_000)] = None,
) -> Response:
    """Without `value` (the "as suggested" form): the suggestion as the service reads it; with it: the edited value."""
    edited = value is not None
    action = "edit" if edited else "apply"
    values = {"reply": reply, "reason": reason, "value": value or ""}
    if errors := _reply_errors(request, reply, reason, reason_required=False):
        return await _refused(request, user, session, feedback_id, action, values, errors, 422)

    reply, reason_given = reply.strip(), reason.strip() or None
    if edited:
        work = corrections.apply_text(
            session, user.principal, feedback_id, text=value or "", reply=reply, reason=reason_given
        )
    else:
        work = corrections.apply(
            session, user.principal, feedback_id, value=None, value_given=False, reply=reply, reason=reason_given
        )
    return await _settle(request, user, session, feedback_id, action, values, work, "correction_applied")


@router.post("/{feedback_id}/decline")
async def decline_correction(
    request: Request,
    user: ConsoleOperator,
    feedback_id: PathId,
    session: SessionDep,
    reply: Annotated[str, Form(max_length=10_000)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    values = {"reply": reply, "reason": reason}
    if errors := _reply_errors(request, reply, reason, reason_required=True):
        return await _refused(request, user, session, feedback_id, "decline", values, errors, 422)
    work = corrections.decline(session, user.principal, feedback_id, reply=reply.strip(), reason=reason.strip())
    return await _settle(request, user, session, feedback_id, "decline", values, work, "correction_declined")
