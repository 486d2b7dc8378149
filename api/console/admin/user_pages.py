"""Admins' pages of accounts: the list, a new staff account, and one account's role, district grants and status.

They call what /v1/admin/users calls (`users`, `staff`), read by the same body schemas; every change carries a
reason, which the service writes to the audit trail."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.accounts import staff, users
from api.accounts.runtime import AccountsDep
from api.accounts.schemas import AccountUpdate, StaffCreate
from api.accounts.views import account_public
from api.console import notices
from api.console.admin.common import checked_body, district_names, reason_error
from api.console.auth import ConsoleAdmin
from api.console.forms import GENERAL, field_errors, form_values
from api.console.i18n import N_, text
from api.console.navigation import ROLE_LABELS
from api.console.rendering import next_page_url, redirect, render
from api.db import SessionDep, attempt
from api.errors import AppError
from api.http import PathId
from models import STAFF_ROLES

router = APIRouter()

notices.register(
    {
        "user_created": N_("The account is made. Give its holder the password by a safe way."),
        "access_saved": N_("The role and district grants are saved."),
        "account_disabled": N_("The account is disabled: its sessions have ended."),
        "account_enabled": N_("The account is enabled again."),
    }
)

PAGE_SIZE = 25
ROLES = ("resident", *STAFF_ROLES)
ROLE_NAMES = {"resident": N_("Resident"), **ROLE_LABELS}
ACTIVITY = {"yes": True, "no": False}


@router.get("/users")
async def list_users(
    request: Request,
    _: ConsoleAdmin,
    session: SessionDep,
    role: Annotated[str, Query(max_length=10)] = "",
    active: Annotated[str, Query(max_length=3)] = "",
    q: Annotated[str, Query(max_length=64)] = "",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    role = role if role in ROLES else ""
    active = active if active in ACTIVITY else ""
    accounts, next_cursor = await users.list_accounts(
        session, role=role or None, active=ACTIVITY.get(active), q=q.strip() or None, limit=PAGE_SIZE, cursor=cursor
    )
    grants = await users.districts_of(session, [account.id for account in accounts if account.id is not None])
    shown = [account_public(account, grants[account.id], mask=True) for account in accounts if account.id]
    return render(
        request,
        "admin/users.html",
        {
            "accounts": shown,
            "district_names": await district_names(request, session),
            "filters": {"role": role, "active": active, "q": q},
            "role_options": _role_options(request, ROLES),
            "role_names": ROLE_NAMES,
            "next_url": next_page_url(request, next_cursor),
        },
    )


def _role_options(request: Request, roles: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(role, text(request, ROLE_NAMES[role])) for role in roles]


async def _new_user_page(
    request: Request, session: SessionDep, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "role_options": _role_options(request, STAFF_ROLES),
        "districts": await district_names(request, session),
    }
    return render(request, "admin/user_new.html", context, status=status)


@router.get("/users/new")
async def new_user_form(request: Request, _: ConsoleAdmin, session: SessionDep) -> Response:
    return await _new_user_page(request, session, {"role": "operator", "districts": []}, {})


@router.post("/users/new")
async def create_user(request: Request, admin: ConsoleAdmin, session: SessionDep, runtime: AccountsDep) -> Response:
    form = await request.form()
    values: dict[str, Any] = {**form_values(form), "districts": [str(code) for code in form.getlist("districts")]}
    body, error = checked_body(
        StaffCreate,
        {
            "username": values.get("username", ""),
            "password": values.get("password", ""),
            "role": values.get("role", ""),
            "districts": values["districts"],
            "display_name": values.get("display_name", "").strip() or None,
        },
    )
    account = None
    if body is not None:
        account, error = await attempt(
            session,
            staff.create_staff(
                session,
                runtime.hasher,
                username=body.username,
                password=body.password,
                role=body.role,
                districts=body.districts,
                display_name=body.display_name,
                actor_id=admin.principal.user_id,
            ),
        )
    if error is not None or account is None:
        values.pop("password", None)  # never sent back into a page
        return await _new_user_page(request, session, values, _beside_fields(request, error), _status(error))
    return redirect(request, f"/console/admin/users/{account.id}", notice="user_created")


def _beside_fields(request: Request, error: AppError | None) -> dict[str, list[str]]:
    if error is None:
        return {}
    errors = field_errors(request, error)
    if error.code == staff.UsernameTaken.code:
        errors = {"username": errors.pop(GENERAL), **errors}
    return errors


def _status(error: AppError | None) -> int:
    return error.status if error is not None else 422


async def _user_page(
    request: Request,
    session: SessionDep,
    user_id: int,
    *,
    access: dict[str, Any] | None = None,
    access_errors: dict[str, list[str]] | None = None,
    status_values: dict[str, Any] | None = None,
    status_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    account = await users.get_account(session, user_id)
    grants = (await users.districts_of(session, [user_id]))[user_id]
    shown = account_public(account, grants, mask=True)
    context = {
        "account": shown,
        "districts": await district_names(request, session),
        "role_options": _role_options(request, STAFF_ROLES),
        "role_names": ROLE_NAMES,
        "access": access or {"role": shown.role, "districts": grants, "reason": ""},
        "access_errors": access_errors or {},
        "status_values": status_values or {"status_reason": ""},
        "status_errors": status_errors or {},
    }
    return render(request, "admin/user.html", context, status=status)


@router.get("/users/{user_id}")
async def user_page(request: Request, _: ConsoleAdmin, user_id: PathId, session: SessionDep) -> Response:
    return await _user_page(request, session, user_id)


@router.post("/users/{user_id}/access")
async def change_access(request: Request, admin: ConsoleAdmin, user_id: PathId, session: SessionDep) -> Response:
    """A new role and district grants, with the reason the audit trail keeps."""
    form = await request.form()
    values: dict[str, Any] = {**form_values(form), "districts": [str(code) for code in form.getlist("districts")]}
    reason = values.get("reason", "")
    body, error = checked_body(
        AccountUpdate, {"role": values.get("role") or None, "districts": values["districts"], "reason": reason}
    )
    error = reason_error("reason", reason) or error
    if body is not None and error is None:
        change = users.AccountChange(role=body.role, districts=body.districts, reason=body.reason)
        _, error = await attempt(session, users.change_account(session, admin.principal.user_id, user_id, change))
    if error is not None:
        errors = field_errors(request, error)
        return await _user_page(request, session, user_id, access=values, access_errors=errors, status=error.status)
    return redirect(request, f"/console/admin/users/{user_id}", notice="access_saved")


@router.post("/users/{user_id}/status")
async def change_status(request: Request, admin: ConsoleAdmin, user_id: PathId, session: SessionDep) -> Response:
    """Disable the account (its sessions end at once, the console's too) or enable it again, with a reason."""
    form = await request.form()
    values = form_values(form)
    reason = values.get("status_reason", "")
    enable = values.get("active") == "true"
    body, error = checked_body(AccountUpdate, {"active": enable, "reason": reason})
    if error is not None:  # the reason's length: the only rule of this body a form can break
        error = _renamed(error, "reason", "status_reason")
    error = reason_error("status_reason", reason) or error
    if body is not None and error is None:
        change = users.AccountChange(active=body.active, reason=body.reason)
        _, error = await attempt(session, users.change_account(session, admin.principal.user_id, user_id, change))
    if error is not None:
        errors = field_errors(request, error)
        return await _user_page(
            request, session, user_id, status_values=values, status_errors=errors, status=error.status
        )
    notice = "account_enabled" if enable else "account_disabled"
    return redirect(request, f"/console/admin/users/{user_id}", notice=notice)


def _renamed(error: AppError, field: str, to: str) -> AppError:
    for item in error.errors or []:
        if item.get("loc") and item["loc"][-1] == field:
            item["loc"] = [*item["loc"][:-1], to]
    return error
