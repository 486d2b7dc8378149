"""A resident's phone number never reaches the logs through a database error: the error of a failed statement is
logged with its traceback (api.errors): the engines keep the statement's bound values out of it (api.db), and the
driver errors lose PostgreSQL's DETAIL, which quotes the row (api.outages)."""

from datetime import UTC, datetime

import httpx
import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database, SessionDep
from models import UserAccount
from tests.conftest import AppFactory

PHONE = "13955551234"


def _as_logged(error: BaseException) -> str:
    """The text the app's logging writes for this error (its own processor, as configured in api.observability)."""
    return structlog.processors.format_exc_info(None, "error", {"exc_info": error})["exception"]


def _resident() -> UserAccount:
    now = datetime.now(UTC)
    return UserAccount(role="resident", phone=PHONE, created_at=now, updated_at=now)


async def test_a_failed_write_bound_with_a_phone_logs_no_phone(make_app: AppFactory, session: AsyncSession) -> None:
    session.add(_resident())
    await session.flush()
    app = make_app()

    @app.post("/second-account")
    async def second_account(session: SessionDep) -> None:
        session.add(_resident())
        await session.flush()

    # The app answers 500 and the error it logged goes on to the server: that is the error looked at here.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        with pytest.raises(DBAPIError) as raised:
            await client.post("/second-account")
    logged = _as_logged(raised.value)
    assert "user_account" in logged and "phone" in logged.lower()  # the error still says what failed
    assert PHONE not in logged


async def test_a_failed_public_read_bound_with_a_phone_shows_no_phone(database: Database) -> None:
    statement = text("SELECT id FROM user_account WHERE phone = :phone AND no_such_column = 1")
    async with database.read_engine.connect() as connection:
        with pytest.raises(DBAPIError) as raised:
            await connection.execute(statement, {"phone": PHONE})
    logged = _as_logged(raised.value)
    assert "no_such_column" in logged
    assert PHONE not in logged
