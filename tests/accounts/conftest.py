"""Accounts to sign in with: staff made through the real service, residents as the OTP flow makes them."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts import staff
from api.db import Database
from models import AuditEntry, UserAccount

# Strong enough for the password rules (zxcvbn score ≥ 3).
STAFF_PASSWORD = "lantern-harbour-quietly-71"

StaffFactory = Callable[..., Awaitable[UserAccount]]


def bearer(app: FastAPI, user_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.state.accounts.tokens.issue_access(user_id)}"}


async def new_staff(
    app: FastAPI, session: AsyncSession, role: str, districts: tuple[str, ...] = (), username: str | None = None
) -> UserAccount:
    """A staff account made through the real service (operators get 310104 unless told otherwise)."""
    return await staff.create_staff(
        session,
        app.state.accounts.hasher,
        username=username or f"{role}-{uuid.uuid4().hex[:8]}",
        password=STAFF_PASSWORD,
        role=role,
        districts=districts or (("310104",) if role == "operator" else ()),
    )


@asynccontextmanager
async def committed_staff(
    database: Database, app: FastAPI, role: str, districts: tuple[str, ...] = ()
) -> AsyncIterator[int]:
    """A staff account committed for real, for tests whose requests run on their own connections; removed
    afterwards with the audit entries it wrote (what else it wrote, the test removes first)."""
    async with database.sessionmaker() as session, session.begin():
        user_id = (await new_staff(app, session, role, districts)).id
    try:
        yield user_id
    finally:
        async with database.sessionmaker() as session, session.begin():
            await session.execute(
                delete(AuditEntry).where(
                    or_(
                        AuditEntry.actor_id == user_id,
                        (AuditEntry.object_type == "user") & (AuditEntry.object_id == str(user_id)),
                    )
                )
            )
            await session.execute(delete(UserAccount).where(UserAccount.id == user_id))


@pytest.fixture
def make_staff(app: FastAPI, session: AsyncSession) -> StaffFactory:
    async def make(role: str, districts: tuple[str, ...] = (), username: str | None = None) -> UserAccount:
        account = await new_staff(app, session, role, districts, username)
        await session.commit()
        return account

    return make


@pytest.fixture
def make_resident(session: AsyncSession) -> Callable[[str], Awaitable[UserAccount]]:
    async def make(phone: str) -> UserAccount:
        now = datetime.now(UTC)
        account = UserAccount(role="resident", phone=phone, created_at=now, updated_at=now)
        session.add(account)
        await session.commit()
        return account

    return make
