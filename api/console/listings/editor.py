"""A listing's editor: its fields as a form saved as a merge patch on the version it was read at (If-Match), the
view of an edit another one overtook, the status buttons, verification and the live figures."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console import notices
from api.console.auth import ConsoleOperator, ConsoleUser
from api.console.forms import validated
from api.console.i18n import N_
from api.console.listings.form import (
    ACCESSIBILITY_LABELS,
    EDITABLE,
    FIELD_LABELS,
    LIVE_UNIT_LABELS,
    STATUS_LABELS,
    WARNING_LABELS,
    coord_options,
    form_of,
    listing_errors,
    merge_patch_between,
    read_form,
    read_reason,
    submitted_texts,
    unreadable,
)
from api.console.listings.shown import (
    category_options,
    code_names,
    field_label,
    shown_value,
    street_options,
    visible_changes,
)
from api.console.rendering import is_htmx, redirect, render
from api.curation import versions
from api.curation.feeds import live_figures
from api.curation.merge_patch import merge_patch
from api.curation.places import service, views
from api.curation.places.fields import snapshot
from api.curation.places.schemas import AvailabilityUpdate
from api.curation.places.writes import StatusAction
from api.curation.preconditions import etag
from api.db import SessionDep, attempt
from api.errors import AppError, PreconditionFailed, ValidationFailed
from api.http import PathId, id_from_text
from models import Place

router = APIRouter()

notices.register(
    {
        "listing_saved": N_("The listing is saved."),
        "listing_unchanged": N_("Nothing was changed."),
        "listing_published": N_("The listing is published: residents can find it now."),
        "listing_archived": N_("The listing is archived: residents no longer see it."),
        "listing_restored": N_("The listing is a draft again."),
        "listing_verified": N_("The listing is confirmed as still accurate."),
        "listing_figures": N_("The live figure is saved."),
    }
)
# Each status button, the statuses it is shown in (those the service allows it from), and its notice.
STATUS_ACTIONS: dict[StatusAction, set[str]] = {
    "publish": {"draft", "archived"},
    "archive": {"draft", "published"},
    "restore": {"archived"},
}
STATUS_NOTICES: dict[StatusAction, str] = {
    "publish": "listing_published",
    "archive": "listing_archived",
    "restore": "listing_restored",
}


def _editor_path(place_id: int) -> str:
    return f"/console/listings/{place_id}"


def _form_version(texts: dict[str, Any]) -> int:
    """The version the form was read at (it travels with the form, and goes back as If-Match)."""
    version = id_from_text(str(texts.get("version", "")))
    if version is None:
        raise ValidationFailed(
            "the form carries no version of the listing: reload the page",
            errors=[{"loc": ["body", "version"], "msg": "the version the form was read at", "type": "missing"}],
        )
    return version


async def _page_context(request: Request, session: SessionDep, user: ConsoleUser, place: Place) -> dict[str, Any]:
    listing = await views.managed(session, place)
    categories = await service.place_categories(session)
    districts = await service.reachable_districts(session, user.principal)
    streets = await service.reachable_streets(session, user.principal, place.district_code)
    return {
        "listing": listing,
        "names": code_names(categories, streets, request),
        "category_options": category_options(categories, request, listable_only=True),
        "street_options": street_options(streets, districts, request),
        "district_name": dict((row.code, row.name) for row in districts).get(place.district_code, place.district_code),
        "actions": [action for action, allowed_from in STATUS_ACTIONS.items() if place.status in allowed_from],
        "may_verify": place.status != "archived",
        "field_labels": FIELD_LABELS,
        "coord_options": coord_options(request),
        "status_labels": STATUS_LABELS,
        "warning_labels": WARNING_LABELS,
        "accessibility_labels": ACCESSIBILITY_LABELS,
        "live_unit_labels": LIVE_UNIT_LABELS,
    }


async def _editor_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    place_id: int,
    *,
    texts: dict[str, Any] | None = None,
    version: int | None = None,
    error: AppError | None = None,
    figure_error: AppError | None = None,
) -> Response:
    """The editor of the listing as it is now: the form with `texts` (what the operator sent) or the stored fields,
    carrying `version` (the one the operator's edit started from) or the current one, with `error` beside them
    (`figure_error` beside the live figure)."""
    # Read again through the service: a refused write's savepoint has expired what the session held of the listing.
    place = await service.reachable_place(session, user.principal, place_id)
    context = await _page_context(request, session, user, place)
    context |= {
        "values": texts if texts is not None else form_of(snapshot(place)),
        "version": version if version is not None else place.version,
        "errors": listing_errors(request, error) if error else {},
        "figure_errors": listing_errors(request, figure_error) if figure_error else {},
        "figure_notice": None,
        "figure_value": None,
    }
    refusal = error or figure_error
    return render(request, "listings/editor.html", context, status=refusal.status if refusal else 200)


@router.get("/{place_id}")
async def listing_editor(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    return await _editor_page(request, session, user, place_id)


@router.post("/{place_id}")
async def save_listing(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    """Save what the operator changed since the version the form was read at, and only that (a merge patch)."""
    texts = submitted_texts(await request.form())
    version = _form_version(texts)
    place = await service.reachable_place(session, user.principal, place_id)
    if place.version == version:
        started_from = snapshot(place) | {"status": place.status}
    else:
        started_from = await service.version_snapshot(session, user.principal, place_id, version)
    values, problems = read_form(texts, started_from)
    reason = read_reason(texts, problems)
    if problems:
        refused = unreadable(values | {"district": place.district_code}, problems)
        return await _editor_page(request, session, user, place_id, texts=texts, version=version, error=refused)
    patch = merge_patch_between(started_from, values)
    if not patch:
        return redirect(request, _editor_path(place_id), notice="listing_unchanged")
    edit = service.patch_place(
        session, user.principal, place_id, patch, if_match=etag(version), coord="wgs84", reason=reason
    )
    _, error = await attempt(session, edit)
    if isinstance(error, PreconditionFailed):
        return await _conflict_page(request, session, user, place_id, started_from, version, patch, reason)
    if error is not None:
        return await _editor_page(request, session, user, place_id, texts=texts, version=version, error=error)
    return redirect(request, _editor_path(place_id), notice="listing_saved")


async def _conflict_page(
    request: Request,
    session: SessionDep,
    user: ConsoleUser,
    place_id: int,
    started_from: dict[str, Any],
    version: int,
    patch: dict[str, Any],
    reason: str | None,
) -> Response:
    """Another edit was saved after the form was read: what it changed (from the version the form started from to
    the current one), what this operator changed, and their changes laid over the current version to save again."""
    place = await service.reachable_place(session, user.principal, place_id)
    current = snapshot(place)
    context = await _page_context(request, session, user, place)
    names = context["names"]

    def changes(before: dict[str, Any], after: dict[str, Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
        kept = {name: before.get(name) for name in fields}, {name: after.get(name) for name in fields}
        return visible_changes(request, versions.field_changes(*kept), names)

    theirs = changes(started_from, current | {"status": place.status}, (*EDITABLE, "status"))
    mine = changes(started_from, merge_patch(started_from, patch), EDITABLE)
    entries, _ = await service.history(session, user.principal, place_id, limit=20, cursor=None)
    newer = [entry for entry in await views.history(session, entries) if entry.version > version]
    context |= {
        "started": version,
        "newer": newer,
        "theirs": theirs,
        "mine": mine,
        "both": {change["field"] for change in theirs} & {change["field"] for change in mine},
        "current_values": {change["field"]: _value_at(current, change["field"]) for change in mine},
        "reapplied": form_of(merge_patch(current, patch)),
        "reason": reason or "",
        "field_label": lambda field: field_label(request, field),
        "shown": lambda field, value: shown_value(request, field.partition(".")[0], value, names),
    }
    return render(request, "listings/conflict.html", context, status=PreconditionFailed.status)


def _value_at(values: dict[str, Any], field: str) -> Any:
    if field.startswith("attributes."):
        return (values.get("attributes") or {}).get(field.removeprefix("attributes."))
    return values.get(field)


async def _status_change(
    request: Request, session: SessionDep, user: ConsoleUser, place_id: int, action: StatusAction
) -> Response:
    texts = submitted_texts(await request.form())
    version = _form_version(texts)
    change = service.change_status(session, user.principal, place_id, action, if_match=etag(version), reason=None)
    _, error = await attempt(session, change)
    if error is not None:
        return await _editor_page(request, session, user, place_id, error=error)
    return redirect(request, _editor_path(place_id), notice=STATUS_NOTICES[action])


@router.post("/{place_id}/publish")
async def publish_listing(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    return await _status_change(request, session, user, place_id, "publish")


@router.post("/{place_id}/archive")
async def archive_listing(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    return await _status_change(request, session, user, place_id, "archive")


@router.post("/{place_id}/restore")
async def restore_listing(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    return await _status_change(request, session, user, place_id, "restore")


@router.post("/{place_id}/verify")
async def verify_listing(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    texts = submitted_texts(await request.form())
    version = _form_version(texts)
    _, error = await attempt(session, service.verify_place(session, user.principal, place_id, if_match=etag(version)))
    if error is not None:
        return await _editor_page(request, session, user, place_id, error=error)
    return redirect(request, _editor_path(place_id), notice="listing_verified")


@router.post("/{place_id}/availability")
async def set_live_figure(request: Request, user: ConsoleOperator, session: SessionDep, place_id: PathId) -> Response:
    """The free places now, in one click: through htmx only the live figures' box comes back."""
    texts = submitted_texts(await request.form())
    given = str(texts.get("available", "")).strip()
    try:
        figure = validated(AvailabilityUpdate, {"available": given})
    except ValidationFailed as refused:
        error: AppError | None = refused
    else:
        _, error = await attempt(
            session, live_figures.set_availability(session, user.principal, place_id, figure.available, None)
        )
    if error is None and not is_htmx(request):
        return redirect(request, _editor_path(place_id), notice="listing_figures")
    if not is_htmx(request):
        return await _editor_page(request, session, user, place_id, figure_error=error)
    place = await service.reachable_place(session, user.principal, place_id)
    context = {
        "listing": await views.managed(session, place),
        "live_unit_labels": LIVE_UNIT_LABELS,
        "figure_errors": listing_errors(request, error) if error else {},
        "figure_notice": None if error else notices.text_of("listing_figures"),
        "figure_value": given if error else None,
    }
    # htmx swaps only answers of 2xx: a refused figure comes back as the box with its error beside the number.
    return render(request, "listings/_live_figures.html", context)
