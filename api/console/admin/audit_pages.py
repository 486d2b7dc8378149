"""The audit log for admins: newest first, with the filters of /v1/admin/audit (object type, object id, actor),
each entry's actor named by username and linked to their account."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api import audit
from api.accounts import users
from api.console.auth import ConsoleAdmin
from api.console.forms import field_errors
from api.console.rendering import next_page_url, render
from api.db import SessionDep
from api.errors import ValidationFailed
from api.http import id_from_text

router = APIRouter()

PAGE_SIZE = 50
# What the trail's entries are about, offered as suggestions for the filter (any other type can be typed).
OBJECT_TYPES = ("user", "feed_key", "feedback", "template", "place", "event", "article", "bundle", "import_job")
DETAIL_TEXT_LIMIT = 300


def compact(details: dict[str, Any]) -> str:
    """An entry's details on one short line: `before → after` for a change, `key: value` for the rest."""
    if details.keys() == {"before", "after"}:
        return f"{_plain(details['before'])} → {_plain(details['after'])}"
    line = "; ".join(f"{key}: {_plain(value)}" for key, value in details.items())
    return line if len(line) <= DETAIL_TEXT_LIMIT else line[: DETAIL_TEXT_LIMIT - 1] + "…"


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
    return render(
        request,
        "admin/audit.html",
        {
            "entries": [(entry, compact(entry.details or {})) for entry in entries],
            "usernames": usernames,
            "filters": filters,
            "errors": errors,
            "object_types": OBJECT_TYPES,
            "next_url": next_page_url(request, next_cursor),
        },
        status=422 if errors else 200,
    )
