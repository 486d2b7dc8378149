"""The audit log for admins: newest first, with the filters of /v1/admin/audit (object type, object id, actor),
each entry's actor named by username and linked to their account, its action and object type in words (the code
beside them), and the districts in its details by name."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import audit
from api.accounts import users
from api.console.admin.audit_labels import ACTION_LABELS, DISTRICT_DETAILS, OBJECT_TYPE_LABELS
from api.console.admin.common import district_names
from api.console.auth import ConsoleAdmin
from api.console.forms import field_errors
from api.console.i18n import text
from api.console.rendering import next_page_url, render
from api.db import SessionDep
from api.errors import ValidationFailed
from api.http import id_from_text

router = APIRouter()

PAGE_SIZE = 50
DETAIL_TEXT_LIMIT = 300


def compact(details: dict[str, Any]) -> str:
    """An entry's details on one short line: `before → after` for a change, `key: value` for the rest."""
    if details.keys() == {"before", "after"}:
        return f"{_plain(details['before'])} → {_plain(details['after'])}"
    line = "; ".join(f"{key}: {_plain(value)}" for key, value in details.items())
    return line if len(line) <= DETAIL_TEXT_LIMIT else line[: DETAIL_TEXT_LIMIT - 1] + "…"


def with_district_names(action: str, details: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The details with each district code of the action's district details replaced by the district's name (a
    code no longer in the directory stays as it is)."""
    keys = DISTRICT_DETAILS.get(action, frozenset())

    def named(value: Any) -> Any:
        if isinstance(value, list):
            return [named(item) for item in value]
        return names.get(value, value) if isinstance(value, str) else value

    return {key: named(value) if key in keys else value for key, value in details.items()}


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value) or "—"
    if isinstance(value, dict):
        return "{" + compact(value) + "}"
    return "—" if value is None else str(value)


@router.get("/audit")
async def audit_log(
    request: Request,
    _: ConsoleAdmin,
    session: SessionDep,
    object_type: Annotated[str, Query(max_length=30)] = "",
    object_id: Annotated[str, Query(max_length=40)] = "",
    actor: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    filters = {"object_type": object_type.strip(), "object_id": object_id.strip(), "actor": actor.strip()}
    errors: dict[str, list[str]] = {}
    entries: list[Any] = []
    next_cursor = None
    actor_id = await users.staff_id_by_username(session, filters["actor"]) if filters["actor"] else None
    if filters["actor"] and actor_id is None:
        unknown = ValidationFailed(
            "no staff account has this username",
            errors=[
                {"loc": ["query", "actor"], "msg": "No staff account has this username.", "type": "unknown_username"}
            ],
        )
        errors = field_errors(request, unknown)
    else:
        entries, next_cursor = await audit.list_entries(
            session,
            object_type=filters["object_type"] or None,
            object_id=filters["object_id"] or None,
            actor_id=actor_id,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
    named = {entry.actor_id for entry in entries if entry.actor_id}
    named |= {id_from_text(entry.object_id) or 0 for entry in entries if entry.object_type == "user"} - {0}
    usernames = await users.usernames_of(session, sorted(named))
    districts = await district_names(request, session) if entries else {}
    # The known types, and the one asked for if the trail holds another (the service filters by any text).
    type_options = [(code, f"{text(request, label)} ({code})") for code, label in OBJECT_TYPE_LABELS.items()]
    if filters["object_type"] and filters["object_type"] not in OBJECT_TYPE_LABELS:
        type_options.append((filters["object_type"], filters["object_type"]))
    return render(
        request,
        "admin/audit.html",
        {
            "entries": [
                (entry, compact(with_district_names(entry.action, entry.details or {}, districts))) for entry in entries
            ],
            "usernames": usernames,
            "filters": filters,
            "errors": errors,
            "type_options": type_options,
            "action_labels": ACTION_LABELS,
            "object_type_labels": OBJECT_TYPE_LABELS,
            "next_url": next_page_url(request, next_cursor),
        },
        status=422 if errors else 200,
    )
