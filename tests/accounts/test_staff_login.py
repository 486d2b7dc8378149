"""Staff sign in with a password: argon2id, upgraded hashes, strong passwords only, throttled, no enumeration."""

import httpx
import pytest
from fastapi import FastAPI
from pwdlib import PasswordHash
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from api.cli import app as cli
from api.config import get_settings
from models import UserAccount
from tests.accounts.conftest import STAFF_PASSWORD, StaffFactory
from tests.conftest import AppFactory


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/v1/auth/login", json={"username": username, "password": password})


async def test_staff_sign_in_and_see_their_role_and_districts(
    client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    operator = await make_staff("operator", ("310104", "310101"))
    answer = await _login(client, operator.username.upper(), STAFF_PASSWORD)  # usernames are case-insensitive
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"})
    assert me.json()["role"] == "operator" and me.json()["districts"] == ["310101", "310104"]
    assert operator.password_hash.startswith("$argon2id$")


async def test_unknown_user_wrong_password_and_disabled_account_answer_alike(
    client: httpx.AsyncClient, make_staff: StaffFactory, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    reviewer = await make_staff("reviewer")
    disabled = await make_staff("reviewer")
    disabled.is_active = False
    await session.commit()
    reviewer_name, disabled_name = reviewer.username, disabled.username  # failed requests roll back (expire) rows
    # Count the argon2 verifications: an unknown user must cost one, like a wrong password.
    verifications = []
    real_verify = PasswordHash.verify
    monkeypatch.setattr(PasswordHash, "verify", lambda self, *args: verifications.append(1) or real_verify(self, *args))
    real_update = PasswordHash.verify_and_update
    monkeypatch.setattr(
        PasswordHash, "verify_and_update", lambda self, *args: verifications.append(1) or real_update(self, *args)
    )
    answers = [
        await _login(client, "nobody-here", STAFF_PASSWORD),
        await _login(client, reviewer_name, "wrong-but-long-enough"),
        await _login(client, disabled_name, STAFF_PASSWORD),
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert answers[0].json() == answers[1].json() == answers[2].json()
    assert answers[0].json()["code"] == "invalid_credentials"
    assert answers[0].headers.keys() == answers[1].headers.keys()
    assert len(verifications) == 3


async def test_five_failures_lock_the_account_for_a_while_even_for_the_right_password(
    client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    username = (await make_staff("reviewer")).username
    failures = [(await _login(client, username, f"wrong-password-{n}")).status_code for n in range(5)]
    locked = await _login(client, username, STAFF_PASSWORD)
    assert failures == [401] * 5
    assert locked.status_code == 429 and locked.json()["code"] == "rate_limited"
    assert 0 < int(locked.headers["Retry-After"]) <= 900


async def test_one_address_trying_many_accounts_is_throttled(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app, client=("192.0.2.50", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        statuses = [(await _login(client, f"guess-{n}", "not-the-password")).status_code for n in range(31)]
    assert statuses == [401] * 30 + [429]


async def test_a_hash_made_with_older_parameters_is_upgraded_at_sign_in(
    make_app: AppFactory, make_staff: StaffFactory, session: AsyncSession
) -> None:
    admin = await make_staff("admin")
    admin_id, username = admin.id, admin.username
    assert "m=8192" in admin.password_hash
    stronger = make_app(password_hash_memory_kib=16384, password_hash_time_cost=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=stronger), base_url="http://t") as client:
        assert (await _login(client, username, STAFF_PASSWORD)).status_code == 200
    session.expire_all()
    upgraded = await session.get(UserAccount, admin_id)
    assert upgraded is not None and "m=16384,t=2" in upgraded.password_hash


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "characters"),
        ("x" * 129, "characters"),
        ("password123", "common"),
        ("qwertyuiop", "common"),
        ("shanghai2026", "common"),
    ],
)
async def test_weak_or_badly_sized_passwords_are_refused(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, password: str, reason: str
) -> None:
    token = app.state.accounts.tokens.issue_access((await make_staff("admin")).id)
    answer = await client.post(
        "/v1/admin/users",
        json={"username": "new-reviewer", "password": password, "role": "reviewer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    problem = answer.json()
    # Refused for the password, and the answer says why (its length, or that it is common).
    assert [error["loc"] for error in problem["errors"]] == [["body", "password"]]
    assert reason in " ".join([problem["detail"], *(error["msg"] for error in problem["errors"])])


def test_svcdir_create_user_makes_the_first_admin(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'staff.sqlite3'}")
    monkeypatch.setenv("PASSWORD_HASH_MEMORY_KIB", "8192")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        assert runner.invoke(cli, ["seed"]).exit_code == 0
        created = runner.invoke(
            cli, ["create-user", "--username", "Chief", "--role", "admin", "--password", STAFF_PASSWORD]
        )
        operator = runner.invoke(
            cli,
            [
                "create-user",
                "--username",
                "xuhui-ops",
                "--role",
                "operator",
                "--district",
                "310104",
                "--district",
                "310101",
            ],
            input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n",
        )
        weak = runner.invoke(
            cli, ["create-user", "--username", "weak", "--role", "reviewer", "--password", "123456789"]
        )
        duplicate = runner.invoke(
            cli, ["create-user", "--username", "chief", "--role", "admin", "--password", STAFF_PASSWORD]
        )
        no_district = runner.invoke(
            cli, ["create-user", "--username", "ops2", "--role", "operator", "--password", STAFF_PASSWORD]
        )
    finally:
        get_settings.cache_clear()
    assert created.exit_code == 0 and "created admin chief" in created.output
    assert operator.exit_code == 0, operator.output
    assert weak.exit_code == 2 and "too common" in weak.output
    assert duplicate.exit_code == 2 and "taken" in duplicate.output
    assert no_district.exit_code == 2 and "at least one district" in no_district.output
