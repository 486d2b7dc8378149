"""The test schedule of 2027 (made up, see data/README.md) and admins' tokens."""

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from models import Feedback
from tests.accounts.conftest import bearer, new_staff

DATA = Path(__file__).parent / "data"
TEST_2027_JSON = DATA / "test-2027-not-official.json"
TEST_2027_CSV = DATA / "test-2027-not-official.csv"

Headers = dict[str, str]


def schedule_2027_body() -> dict:
    """The body of PUT /v1/admin/calendar/2027 with the test schedule."""
    (entry,) = json.loads(TEST_2027_JSON.read_text(encoding="utf-8"))["years"]
    return {key: value for key, value in entry.items() if key != "year"}


@pytest.fixture
def staff_headers(app: FastAPI, session: AsyncSession) -> Callable[[str], Awaitable[tuple[int, Headers]]]:
    async def make(role: str = "admin") -> tuple[int, Headers]:
        account = await new_staff(app, session, role)
        await session.commit()
        return account.id, bearer(app, account.id)

    return make


def street_light_complaint(ref: str, author_id: int, received: datetime, **fields: object) -> Feedback:
    """A complaint received at `received`, without its deadline (the test sets it as its case needs)."""
    values: dict[str, object] = {
        "title": "路灯不亮",
        "body": "小区门口路灯连续一周不亮。",
        "created_at": received,
        "updated_at": received,
    } | fields
    return Feedback(ref=ref, author_id=author_id, kind="complaint", district_code="310104", **values)
