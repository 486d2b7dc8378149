"""Admins' pages of feed keys: the list, a new key (its secret shown once, on the page answering the form), and
revoking one after a confirmation. They call what /v1/admin/api-keys calls (`api.curation.feeds.keys`)."""

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.accounts import users
from api.console import notices
from api.console.admin.common import checked_body, district_names, live_category_names
from api.console.auth import ConsoleAdmin, set_cookie
from api.console.forms import GENERAL, field_errors, form_values
from api.console.i18n import N_, text
from api.console.rendering import next_page_url, redirect, render
from api.curation.feeds import keys as feed_keys
from api.curation.feeds.schemas import FeedKeyCreate, FeedKeyPublic
from api.db import SessionDep, attempt
from api.http import PathId

router = APIRouter()

notices.register({"key_revoked": N_("The key is revoked: calls with it are refused from now on.")})

PAGE_SIZE = 25
# The new-key form carries a one-time ticket that a cookie holds too; the answer to the form spends it. A browser
# that sends the form again (a reload of the page showing the secret) makes no second key and shows no secret.
TICKET_COOKIE = "svcdir_console_key_form"
TICKET_PATH = "/console/admin/keys"
FORM_SENT_TWICE = N_(
    "This form was already sent, or another new-key form was opened since. No key was made now; "
    "check the list of keys, then fill in this form again."
)


def _public(row: Any) -> FeedKeyPublic:
    return FeedKeyPublic.model_validate(row, from_attributes=True)


@router.get("/keys")
async def list_keys(
    request: Request,
    _: ConsoleAdmin,
    session: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    rows, next_cursor = await feed_keys.list_keys(session, limit=PAGE_SIZE, cursor=cursor)
    makers = await users.usernames_of(session, sorted({row.created_by for row in rows if row.created_by}))
    return render(
        request,
        "admin/keys.html",
        {
            "keys": [_public(row) for row in rows],
            "makers": makers,
            "district_names": await district_names(request, session),
            "category_names": await live_category_names(request, session),
            "next_url": next_page_url(request, next_cursor),
        },
    )


async def _new_key_page(
    request: Request, session: SessionDep, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> Response:
    ticket = secrets.token_urlsafe(24)
    context = {
        "values": values,
        "errors": errors,
        "ticket": ticket,
        "districts": await district_names(request, session),
        "categories": await live_category_names(request, session),
    }
    response = render(request, "admin/key_new.html", context, status=status)
    set_cookie(response, request, TICKET_COOKIE, ticket, path=TICKET_PATH)
    return response


@router.get("/keys/new")
async def new_key_form(request: Request, _: ConsoleAdmin, session: SessionDep) -> Response:
    return await _new_key_page(request, session, {"districts": [], "categories": []}, {})


@router.post("/keys/new")
async def create_key(request: Request, admin: ConsoleAdmin, session: SessionDep) -> Response:
    form = await request.form()
    values: dict[str, Any] = {
        **form_values(form),
        "districts": [str(code) for code in form.getlist("districts")],
        "categories": [str(code) for code in form.getlist("categories")],
    }
    held = request.cookies.get(TICKET_COOKIE, "")
    if not held or not hmac.compare_digest(held, str(form.get("ticket", ""))):
        errors = {GENERAL: [text(request, FORM_SENT_TWICE)]}
        return await _new_key_page(request, session, values, errors, status=409)
    body, error = checked_body(
        FeedKeyCreate,
        {"name": values.get("name", ""), "districts": values["districts"], "categories": values["categories"]},
    )
    made = None
    if body is not None:
        made, error = await attempt(
            session,
            feed_keys.create_key(
                session,
                admin.principal.user_id,
                name=body.name,
                districts=body.districts,
                categories=body.categories,
            ),
        )
    if error is not None or made is None:
        status = error.status if error is not None else 422
        errors = field_errors(request, error) if error is not None else {}
        return await _new_key_page(request, session, values, errors, status=status)
    row, secret = made
    response = render(
        request,
        "admin/key_created.html",
        {
            "key": _public(row),
            "secret": secret,
            "district_names": await district_names(request, session),
            "category_names": await live_category_names(request, session),
        },
        status=201,
    )
    response.delete_cookie(TICKET_COOKIE, path=TICKET_PATH)
    return response


@router.get("/keys/{key_id}/revoke")
async def confirm_revoke(request: Request, _: ConsoleAdmin, key_id: PathId, session: SessionDep) -> Response:
    row = await feed_keys.get_key(session, key_id)
    return render(
        request,
        "admin/key_revoke.html",
        {
            "key": _public(row),
            "district_names": await district_names(request, session),
            "category_names": await live_category_names(request, session),
        },
    )


@router.post("/keys/{key_id}/revoke")
async def revoke_key(request: Request, admin: ConsoleAdmin, key_id: PathId, session: SessionDep) -> Response:
    await feed_keys.revoke_key(session, admin.principal.user_id, key_id)
    return redirect(request, "/console/admin/keys", notice="key_revoked")
