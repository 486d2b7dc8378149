"""Account administration: staff accounts, roles, district grants, disabling; and the audit trail (read only)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from api import audit
from api.accounts import staff, users
from api.accounts.runtime import AccountsDep
from api.accounts.schemas import (
    AccountPage,
    AccountPublic,
    AccountUpdate,
    AuditEntryPublic,
    AuditPage,
    Role,
    StaffCreate,
)
from api.accounts.views import account_public
from api.db import ReadSessionDep, SessionDep
from api.deps import Admin
from api.http import MAX_ID, PathId, no_store

router = APIRouter(prefix="/v1/admin", tags=["administration"], dependencies=[Depends(no_store)])

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=512)]


@router.get("/users", response_model=AccountPage)
async def list_users(
    _: Admin,
    session: ReadSessionDep,
    role: Role | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of a username or name (not a phone)")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> AccountPage:
    accounts, next_cursor = await users.list_accounts(
        session, role=role, active=active, q=q, limit=limit, cursor=cursor
    )
    grants = await users.districts_of(session, [account.id for account in accounts])
    return AccountPage(
        items=[account_public(account, grants[account.id], mask=True) for account in accounts],
        next_cursor=next_cursor,
    )


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=AccountPublic)
async def create_staff_user(
    admin: Admin, body: StaffCreate, session: SessionDep, runtime: AccountsDep
) -> AccountPublic:
    account = await staff.create_staff(
        session,
        runtime.hasher,
        username=body.username,
        password=body.password,
        role=body.role,
        districts=body.districts,
        display_name=body.display_name,
        actor_id=admin.user_id,
    )
    return account_public(account, sorted(set(body.districts)), mask=True)


@router.get("/users/{user_id}", response_model=AccountPublic)
async def get_user(_: Admin, user_id: PathId, session: ReadSessionDep) -> AccountPublic:
    account = await users.get_account(session, user_id)
    return account_public(account, (await users.districts_of(session, [user_id]))[user_id], mask=True)


@router.patch("/users/{user_id}", response_model=AccountPublic)
async def update_user(admin: Admin, user_id: PathId, body: AccountUpdate, session: SessionDep) -> AccountPublic:
    """Change a role, the district grants or whether the account may sign in (effective on its next request)."""
    change = users.AccountChange(role=body.role, districts=body.districts, active=body.active, reason=body.reason)
    account = await users.change_account(session, admin.user_id, user_id, change)
    return account_public(account, (await users.districts_of(session, [user_id]))[user_id], mask=True)


@router.get("/audit", response_model=AuditPage)
async def list_audit_entries(
    _: Admin,
    session: ReadSessionDep,
    object_type: Annotated[str | None, Query(max_length=30)] = None,
    object_id: Annotated[str | None, Query(max_length=40)] = None,
    actor_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditPage:
    """Newest first. Entries are only ever added: there is no way to change or remove one."""
    entries, next_cursor = await audit.list_entries(
        session, object_type=object_type, object_id=object_id, actor_id=actor_id, limit=limit, cursor=cursor
    )
    return AuditPage(
        items=[AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in entries],
        next_cursor=next_cursor,
    )
