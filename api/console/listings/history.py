"""A listing's history: its versions newest first, each field's value before and after, and a revert to any of
them (a new version with that version's fields, made on the version the page showed as current)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console import notices
from api.console.auth import ConsoleOperator, ConsoleUser
from api.console.forms import GENERAL
from api.console.i18n import N_
from api.console.listings.form import SOURCE_LABELS, STATUS_LABELS, listing_errors, submitted_texts
from api.console.listings.shown import code_names, field_label, shown_value, visible_changes
from api.console.rendering import next_page_url, redirect, render
from api.curation.places import service, views
from api.curation.preconditions import etag
from api.db import SessionDep, attempt
from api.errors import AppError, ValidationFailed
from api.http import PathId, id_from_text
from api.pagination import CursorParam

router = APIRouter()

PAGE_SIZE = 20

notices.register({"listing_reverted": N_("The listing has that version's fields again, as a new version.")})


async def _history_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    place_id: int,
    cursor: str | None,
    error: AppError | None = None,
) -> Response:
    place = await service.reachable_place(session, user.principal, place_id)
    entries, next_cursor = await service.history(session, user.principal, place_id, limit=PAGE_SIZE, cursor=cursor)
    names = code_names(
        await service.place_categories(session),
        await service.reachable_streets(session, user.principal, place.district_code),
        request,
    )
    shown_versions = await views.history(session, entries)
    for entry in shown_versions:
        entry.changes = visible_changes(request, entry.changes, names)
    context: dict[str, Any] = {
        "listing": await views.managed(session, place),
        "versions": shown_versions,
        "next_url": next_page_url(request, next_cursor),
        "errors": {GENERAL: _problems(request, error)} if error else {},
        "source_labels": SOURCE_LABELS,
        "status_labels": STATUS_LABELS,
        "field_label": lambda field: field_label(request, field),
        "shown": lambda field, value: shown_value(request, field.partition(".")[0], value, names),
    }
    return render(request, "listings/history.html", context, status=error.status if error else 200)


def _problems(request: Request, error: AppError) -> list[str]:
    """A refused revert's reasons, each with the field it is about (there is no form to show them beside)."""
    return [
        message if field == GENERAL else f"{field_label(request, field)}: {message}"
        for field, messages in listing_errors(request, error).items()
        for message in messages
    ]


@router.get("/{place_id}/history")
async def listing_history(
    request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId, cursor: CursorParam = None
) -> Response:
    return await _history_page(request, session, user, place_id, cursor)


@router.post("/{place_id}/revert")
async def revert_listing(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    """Bring back a version's fields; `current` is the version the page showed as current (sent as If-Match)."""
    texts = submitted_texts(await request.form())
    version, current = id_from_text(str(texts.get("version", ""))), id_from_text(str(texts.get("current", "")))
    if version is None or current is None:
        raise ValidationFailed("the form names no version: reload the page")
    revert = service.revert_place(session, user.principal, place_id, version, if_match=etag(current), reason=None)
    _, error = await attempt(session, revert)
    if error is not None:
        return await _history_page(request, session, user, place_id, None, error)
    return redirect(request, f"/console/listings/{place_id}/history", notice="listing_reverted")
