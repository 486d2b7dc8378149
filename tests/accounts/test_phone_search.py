"""A resident is found by phone only by the reviewers who may reveal numbers, with the whole number and a reason, and
each look-up is in the audit trail: admins listing accounts cannot confirm guessed digits of a masked number."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry
from tests.accounts.conftest import StaffFactory, bearer

PHONE = "13812345678"


async def _audit_of(session: AsyncSession, actor_id: int) -> list[AuditEntry]:
    return list((await session.execute(select(AuditEntry).where(AuditEntry.actor_id == actor_id))).scalars())


@pytest.mark.parametrize("guess", ["1381234", "5678", "138", "12345678", "138****5678"])
async def test_listing_accounts_does_not_match_any_part_of_a_phone(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,
    guess: str,  # noqa: ANN001
) -> None:
    admin = await make_staff("admin")
    await make_resident(PHONE)
    answer = await client.get("/v1/admin/users", params={"q": guess}, headers=bearer(app, admin.id))
    assert answer.status_code == 200
    assert answer.json()["items"] == []


async def test_a_whole_number_finds_the_resident_and_is_audited_with_its_reason(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,  # noqa: ANN001
    session: AsyncSession,
) -> None:
    reviewer = await make_staff("reviewer")
    resident = await make_resident(PHONE)
    reason = "resident called 12345 asking to disable the account"
    found = await client.post(
        "/v1/residents/find-by-phone",
        json={"phone": "+86 138-1234-5678", "reason": reason},
        headers=bearer(app, reviewer.id),
    )
    assert found.status_code == 200, found.text
    assert [(item["id"], item["phone"]) for item in found.json()["items"]] == [(resident.id, "138****5678")]
    entries = await _audit_of(session, reviewer.id)
    searches = [entry for entry in entries if entry.action == "user.find_by_phone"]
    assert [(entry.object_id, entry.reason) for entry in searches] == [(str(resident.id), reason)]
    assert PHONE not in str(searches[0].details)


async def test_a_number_nobody_holds_finds_nothing_and_is_audited_too(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, session: AsyncSession
) -> None:
    reviewer = await make_staff("reviewer")
    answer = await client.post(
        "/v1/residents/find-by-phone",
        json={"phone": "13700000001", "reason": "checking a caller's account"},
        headers=bearer(app, reviewer.id),
    )
    assert answer.status_code == 200 and answer.json()["items"] == []
    assert [entry.action for entry in await _audit_of(session, reviewer.id)] == ["user.find_by_phone"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "1381234", "reason": "checking a caller's account"}, "phone"),
        ({"phone": "138****5678", "reason": "checking a caller's account"}, "phone"),
        ({"phone": PHONE}, "reason"),
        ({"phone": PHONE, "reason": "x"}, "reason"),
    ],
)
async def test_a_partial_number_or_a_missing_reason_is_refused_and_finds_nobody(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,  # noqa: ANN001
    session: AsyncSession,
    body: dict,
    field: str,
) -> None:
    reviewer_id = (await make_staff("reviewer")).id
    await make_resident(PHONE)
    answer = await client.post("/v1/residents/find-by-phone", json=body, headers=bearer(app, reviewer_id))
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["loc"][-1] for error in answer.json()["errors"]] == [field]
    assert await _audit_of(session, reviewer_id) == []


async def test_admins_cannot_look_a_resident_up_by_phone(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,  # noqa: ANN001
    session: AsyncSession,
) -> None:
    admin = await make_staff("admin")
    await make_resident(PHONE)
    answer = await client.post(
        "/v1/residents/find-by-phone",
        json={"phone": PHONE, "reason": "checking a caller's account"},
        headers=bearer(app, admin.id),
    )
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert await _audit_of(session, admin.id) == []
