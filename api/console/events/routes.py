"""Events of the operator's districts: the list (status and text filters), a new draft, the edit form (a merge patch
with If-Match, as PATCH /v1/manage/events/{id}), and publish, cancel, archive and restore — the same content
services as api/curation/content/routes.py."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from api.console.auth import ConsoleOperator, ConsoleUser
from api.console.events.form import EDITABLE, event_values, form_of
from api.console.forms import GENERAL, field_errors, form_values
from api.console.i18n import N_, language_of, text
from api.console.notices import register
from api.console.rendering import next_page_url, redirect, render
from api.curation.content import lists as content_lists
from api.curation.content import writes as content_writes
from api.curation.content.writes import EVENTS, TRANSITIONS
from api.curation.preconditions import etag
from api.db import ReadSessionDep, SessionDep, attempt
from api.errors import AppError
from api.http import PathId
from api.pagination import CursorParam
from models.base import EVENT_STATUSES

router = APIRouter(prefix="/console/events", include_in_schema=False)

PAGE_SIZE = 20
STATUS_LABELS = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "cancelled": N_("Cancelled"),
    "archived": N_("Archived"),
}
ACTION_LABELS = {
    "publish": N_("Publish"),
    "cancel": N_("Cancel the event"),
    "archive": N_("Archive"),
    "restore": N_("Restore as a draft"),
}

register(
    {
        "event_created": N_("The event was saved as a draft."),
        "event_saved": N_("The event was saved."),
        "event_unchanged": N_("Nothing was changed."),
        "event_publish": N_("The event was published."),
        "event_cancel": N_("The event was cancelled."),
        "event_archive": N_("The event was archived."),
        "event_restore": N_("The event is a draft again."),
    }
)


@router.get("")
async def events_page(
    request: Request,
    user: ConsoleOperator,
    session: ReadSessionDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    cursor: CursorParam = None,
) -> Response:
    chosen_status = status if status in EVENT_STATUSES else None
    words = (q or "").strip() or None
    items, next_cursor = await content_lists.list_events(
        session,
        user.principal,
        status=chosen_status,
        category=None,
        district=None,
        q=words,
        updated_since=None,
        limit=PAGE_SIZE,
        cursor=cursor,
    )
    choices = await _choices(request, session, user)
    filters = {"status": chosen_status or "", "q": words or ""}
    return render(
        request,
        "events/index.html",
        {
            "items": items,
            "filters": filters,
            "status_labels": STATUS_LABELS,
            "district_names": dict(choices["all_districts"]),
            "category_names": dict(choices["category_options"]),
            "next_url": next_page_url(request, next_cursor),
        },
    )


def _name(request: Request, chinese: str, english: str | None) -> str:
    return english if language_of(request) == "en" and english else chinese


async def _choices(request: Request, session: ReadSessionDep, user: ConsoleUser) -> dict[str, Any]:
    categories, districts = await content_lists.event_references(session)
    named_districts = [(code, _name(request, name, name_en)) for code, name, name_en in districts]
    return {
        "all_districts": named_districts,
        "district_options": [(code, name) for code, name in named_districts if user.principal.reaches(code)],
        "category_options": [(code, _name(request, name, name_en)) for code, name, name_en in categories],
    }


async def _form_page(
    request: Request,
    user: ConsoleUser,
    session: ReadSessionDep,
    *,
    event: Any = None,
    values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    conflict: bool = False,
    status: int = 200,
) -> Response:
    actions = []
    if event is not None:
        actions = [
            action for action in ("publish", "cancel", "archive", "restore") if event.status in TRANSITIONS[action][0]
        ]
    return render(
        request,
        "events/form.html",
        {
            "event": event,
            "values": values,
            "errors": errors or {},
            "conflict": conflict,
            "actions": actions,
            "action_labels": ACTION_LABELS,
            "status_labels": STATUS_LABELS,
            **await _choices(request, session, user),
        },
        status=status,
    )


def _errors(request: Request, error: AppError) -> dict[str, list[str]]:
    """The service's problems beside the form's fields; a location's problem beside its latitude."""
    errors = field_errors(request, error)
    if "location" in errors:
        errors.setdefault("lat", []).extend(errors.pop("location"))
    unknown = [
        message
        for field, messages in errors.items()
        if field not in EDITABLE and field not in ("lat", "lng", GENERAL)
        for message in messages
    ]
    errors = {
        field: messages for field, messages in errors.items() if field in EDITABLE or field in ("lat", "lng", GENERAL)
    }
    if unknown:
        errors.setdefault(GENERAL, []).extend(unknown)
    return errors


async def _reread(session: SessionDep, user: ConsoleUser, event_id: int) -> Any:
    """The event as stored, after a refused change (whose savepoint's rollback left the row to be read again)."""
    row = await content_writes.reachable(session, user.principal, EVENTS, event_id)
    return await content_lists.managed(session, EVENTS, row)


@router.get("/new")
async def new_event_form(request: Request, user: ConsoleOperator, session: ReadSessionDep) -> Response:
    districts = sorted(user.principal.districts)
    return await _form_page(request, user, session, values={"district": districts[0] if districts else ""})


@router.post("")
async def create_event(request: Request, user: ConsoleOperator, session: SessionDep) -> Response:
    values = form_values(await request.form())

    async def create() -> Any:
        fields = content_writes.fields_of(EVENTS, event_values(values))
        return await content_writes.create(session, user.principal, EVENTS, fields)

    row, error = await attempt(session, create())
    if error is not None or row is None:
        assert error is not None
        return await _form_page(
            request, user, session, values=values, errors=_errors(request, error), status=error.status
        )
    return redirect(request, f"/console/events/{row.id}", notice="event_created")


@router.get("/{event_id}")
async def edit_event_form(
    request: Request, user: ConsoleOperator, event_id: PathId, session: ReadSessionDep
) -> Response:
    row = await content_writes.reachable(session, user.principal, EVENTS, event_id)
    event = await content_lists.managed(session, EVENTS, row)
    return await _form_page(request, user, session, event=event, values=form_of(event))


@router.post("/{event_id}")
async def save_event(
    request: Request,
    user: ConsoleOperator,
    event_id: PathId,
    session: SessionDep,
    version: Annotated[int, Form(ge=1)],
) -> Response:
    """The form's fields as a merge patch on the version the form was read at: a newer version is a 412, shown
    with a link to reload (the operator's words stay in the form meanwhile)."""
    values = form_values(await request.form())
    row = await content_writes.reachable(session, user.principal, EVENTS, event_id, for_update=True)
    changed, error = await attempt(
        session, content_writes.patch(session, user.principal, EVENTS, row, etag(version), event_values(values))
    )
    if error is not None:
        event = await _reread(session, user, event_id)
        conflict = error.status == 412
        errors = (
            {GENERAL: [text(request, N_("Someone else changed this event since you opened it."))]}
            if conflict
            else _errors(request, error)
        )
        return await _form_page(
            request, user, session, event=event, values=values, errors=errors, conflict=conflict, status=error.status
        )
    return redirect(request, f"/console/events/{event_id}", notice="event_saved" if changed else "event_unchanged")


@router.post("/{event_id}/status/{transition}")
async def change_event_status(
    request: Request,
    user: ConsoleOperator,
    event_id: PathId,
    transition: str,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    row = await content_writes.reachable(session, user.principal, EVENTS, event_id, for_update=True)
    if transition not in TRANSITIONS:
        errors = {GENERAL: [text(request, N_("This change of status does not exist."))]}
        event = await content_lists.managed(session, EVENTS, row)
        return await _form_page(request, user, session, event=event, values=form_of(event), errors=errors, status=404)
    if transition == "cancel" and not reason.strip():
        event = await content_lists.managed(session, EVENTS, row)
        errors = {"reason": [text(request, N_("Say why the event will not take place."))]}
        return await _form_page(request, user, session, event=event, values=form_of(event), errors=errors, status=422)
    _, error = await attempt(
        session,
        content_writes.change_status(session, user.principal, EVENTS, row, transition, reason=reason.strip() or None),  # type: ignore[arg-type]
    )
    if error is not None:
        event = await _reread(session, user, event_id)
        return await _form_page(
            request,
            user,
            session,
            event=event,
            values=form_of(event),
            errors=_errors(request, error),
            status=error.status,
        )
    return redirect(request, f"/console/events/{event_id}", notice=f"event_{transition}")
