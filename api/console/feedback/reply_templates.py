"""The feedback team's reply templates: the list with a form for a new one, an edit form, and deleting one after a
confirmation. They call what the API's `/v1/triage/templates` routes call (`api.feedback.templates`) and read the
forms with the same body schemas."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console.auth import ConsoleReviewer
from api.console.feedback.labels import KIND_LABELS
from api.console.feedback.shared import names_for
from api.console.forms import GENERAL, field_errors, form_values, validated
from api.console.i18n import N_, text
from api.console.notices import register
from api.console.rendering import redirect, render
from api.db import ReadSessionDep, SessionDep, attempt
from api.errors import AppError, ValidationFailed
from api.feedback import templates
from api.feedback.schemas import TemplateCreate, TemplateUpdate
from api.http import PathId

router = APIRouter()
LIST_PATH = "/console/feedback/templates"

register(
    {
        "template_created": N_("The reply template is saved."),
        "template_updated": N_("The reply template is changed."),
        "template_deleted": N_("The reply template is deleted."),
    }
)


def _body_of(values: dict[str, str]) -> dict[str, Any]:
    """The form as the API's body: a kind left blank means a template for every kind (`kind: null`)."""
    return {
        "name": values.get("name", "").strip(),
        "kind": values.get("kind") or None,
        "body": values.get("body", "").strip(),
    }


def _errors(request: Request, error: AppError) -> dict[str, list[str]]:
    messages = field_errors(request, error)
    # The service's refusal of a taken name names no field: it goes beside the name, where it is mended.
    if isinstance(error, templates.TemplateNameTaken):
        messages = {"name": messages.pop(GENERAL)}
    return messages


def _kind_options(request: Request) -> list[tuple[str, str]]:
    return [(code, text(request, label)) for code, label in KIND_LABELS.items()]


async def _list_page(
    request: Request,
    session: SessionDep,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    names = await names_for(session, request)
    rows = [
        {"template": template, "author": names.person(template.created_by)}
        for template in await templates.list_all(session, None)
    ]
    return render(
        request,
        "feedback/templates.html",
        {
            "rows": rows,
            "kind_labels": KIND_LABELS,
            "kind_options": _kind_options(request),
            "errors": errors or {},
            "values": values or {},
        },
        status=status,
    )


async def _edit_page(
    request: Request,
    session: SessionDep,
    template_id: int,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    template = await templates.get(session, template_id)
    names = await names_for(session, request)
    shown = {"name": template.name, "kind": template.kind or "", "body": template.body}
    return render(
        request,
        "feedback/template_edit.html",
        {
            "template": template,
            "author": names.person(template.created_by),
            "kind_options": _kind_options(request),
            "errors": errors or {},
            "values": {**shown, **(values or {})},
        },
        status=status,
    )


@router.get("/templates")
async def templates_page(request: Request, _: ConsoleReviewer, session: ReadSessionDep) -> Response:
    return await _list_page(request, session)


@router.post("/templates")
async def create_template(request: Request, user: ConsoleReviewer, session: SessionDep) -> Response:
    values = form_values(await request.form())

    async def work() -> None:
        body = validated(TemplateCreate, _body_of(values))
        await templates.create(session, user.principal, body.name, body.kind, body.body)

    _, error = await attempt(session, work())
    if error is not None:
        return await _list_page(request, session, errors=_errors(request, error), values=values, status=error.status)
    return redirect(request, LIST_PATH, notice="template_created")


@router.get("/templates/{template_id}")
async def edit_template_page(
    request: Request, _: ConsoleReviewer, template_id: PathId, session: ReadSessionDep
) -> Response:
    return await _edit_page(request, session, template_id)


@router.post("/templates/{template_id}")
async def update_template(
    request: Request, user: ConsoleReviewer, template_id: PathId, session: SessionDep
) -> Response:
    values = form_values(await request.form())

    async def work() -> None:
        body = validated(TemplateUpdate, _body_of(values))
        await templates.update(session, user.principal, template_id, body.model_dump(exclude_unset=True))

    _, error = await attempt(session, work())
    if error is not None:
        return await _edit_page(
            request, session, template_id, errors=_errors(request, error), values=values, status=error.status
        )
    return redirect(request, LIST_PATH, notice="template_updated")


@router.post("/templates/{template_id}/delete")
async def delete_template(
    request: Request, user: ConsoleReviewer, template_id: PathId, session: SessionDep
) -> Response:
    values = form_values(await request.form())

    async def work() -> None:
        # The browser asks for the tick too; a form sent without it (by hand, or an old page) deletes nothing.
        if values.get("confirm") != "yes":
            raise ValidationFailed(
                "the deletion is not confirmed",
                errors=[{"loc": ["body", "confirm"], "msg": "tick the box first", "type": "confirmation_required"}],
            )
        await templates.delete(session, user.principal, template_id)

    _, error = await attempt(session, work())
    if error is not None:
        return await _edit_page(request, session, template_id, errors=_errors(request, error), status=error.status)
    return redirect(request, LIST_PATH, notice="template_deleted")
