"""Staff change their own password: the current one is checked (and a wrong one counted like a failed sign-in),
the new one meets the same rules as at creation, every other session ends, and the change is audited."""

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts import staff
from models import AuditEntry
from tests.accounts.conftest import STAFF_PASSWORD, StaffFactory

NEW_PASSWORD = "copper-kettle-drifting-orchard-58"


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/login", json={"username": username, "password": password})


async def _change(client: httpx.AsyncClient, access_token: str, current: str, new: str) -> httpx.Response:
    return await client.post(
        "/v1/me/password",
        json={"current_password": current, "new_password": new},
        headers={"Authorization": f"Bearer {access_token}"},
    )


async def test_a_staff_member_changes_their_password_and_their_other_sessions_end(
    client: httpx.AsyncClient, session: AsyncSession, make_staff: StaffFactory
) -> None:
    reviewer = await make_staff("reviewer")
    username, user_id = reviewer.username, reviewer.id  # the row changes under the object during the test
    here = (await _login(client, username, STAFF_PASSWORD)).json()
    elsewhere = (await _login(client, username, STAFF_PASSWORD)).json()

    answer = await _change(client, here["access_token"], STAFF_PASSWORD, NEW_PASSWORD)
    assert answer.status_code == 200, answer.text
    renewed = answer.json()

    assert (await _login(client, username, STAFF_PASSWORD)).status_code == 401
    assert (await _login(client, username, NEW_PASSWORD)).status_code == 200
    for ended in (elsewhere, here):
        refused = await client.post("/v1/auth/refresh", json={"refresh_token": ended["refresh_token"]})
        assert refused.status_code == 401, refused.text
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": renewed["refresh_token"]})).status_code == 200
    entry = (await session.execute(select(AuditEntry).where(AuditEntry.action == "user.password"))).scalar_one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (user_id, "user", str(user_id))
    assert NEW_PASSWORD not in str(entry.details) and STAFF_PASSWORD not in str(entry.details)


async def test_a_wrong_current_password_is_refused_and_counted_as_a_failed_sign_in(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, make_staff: StaffFactory
) -> None:
    operator = await make_staff("operator")
    username = operator.username  # requests that fail roll back, and expire, the objects of the test's session
    token = (await _login(client, username, STAFF_PASSWORD)).json()["access_token"]
    allowed_failures = staff.FAILURES_PER_ACCOUNT.limit.amount
    for _ in range(allowed_failures):
        wrong = await _change(client, token, "not-my-password-at-all", NEW_PASSWORD)
        assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password", wrong.text
    # The budget of failed sign-ins is spent: neither the right password here nor a sign-in gets through.
    throttled = await _change(client, token, STAFF_PASSWORD, NEW_PASSWORD)
    assert throttled.status_code == 429 and throttled.json()["code"] == "rate_limited"
    assert (await _login(client, username, STAFF_PASSWORD)).status_code == 429
    await session.refresh(operator)
    matches, _ = await app.state.accounts.hasher.verify(STAFF_PASSWORD, operator.password_hash)
    assert matches  # unchanged


async def test_the_new_password_meets_the_rules_of_a_new_account(
    client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin = await make_staff("admin")
    username = admin.username
    token = (await _login(client, username, STAFF_PASSWORD)).json()["access_token"]
    for weak, kind in (("password1", "password_weak"), (username + "1", "password_weak"), ("x" * 129, None)):
        answer = await _change(client, token, STAFF_PASSWORD, weak)
        assert answer.status_code == 422 and answer.json()["code"] == "validation_failed", weak
        if kind:
            assert [(error["loc"], error["type"]) for error in answer.json()["errors"]] == [
                (["body", "new_password"], kind)
            ]
    same = await _change(client, token, STAFF_PASSWORD, STAFF_PASSWORD)
    assert same.status_code == 422 and same.json()["errors"][0]["type"] == "password_unchanged"
    assert (await _login(client, username, STAFF_PASSWORD)).status_code == 200


async def test_trying_new_passwords_with_the_right_current_one_never_throttles_the_account(
    client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    reviewer = await make_staff("reviewer")
    username = reviewer.username
    token = (await _login(client, username, STAFF_PASSWORD)).json()["access_token"]
    # More tries than the account's five failures: the current password was right every time.
    answers = [await _change(client, token, STAFF_PASSWORD, "password1") for _ in range(7)]
    assert [answer.status_code for answer in answers] == [422] * 7
    assert (await _login(client, username, STAFF_PASSWORD)).status_code == 200
