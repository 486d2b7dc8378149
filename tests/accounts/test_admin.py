"""Admins manage staff: create, change roles and grants, disable at once; every change is in the audit trail."""

import httpx
from fastapi import FastAPI

from tests.accounts.conftest import STAFF_PASSWORD, StaffFactory, bearer
from tests.accounts.test_policy import app_routes


async def test_admin_creates_an_operator_who_can_then_sign_in(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    created = await client.post(
        "/v1/admin/users",
        json={"username": "jingan-ops", "password": STAFF_PASSWORD, "role": "operator", "districts": ["310106"]},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["districts"] == ["310106"] and created.json()["role"] == "operator"
    login = await client.post("/v1/auth/login", json={"username": "jingan-ops", "password": STAFF_PASSWORD})
    assert login.status_code == 200
    taken = await client.post(
        "/v1/admin/users",
        json={"username": "JINGAN-OPS", "password": STAFF_PASSWORD, "role": "reviewer"},
        headers=admin_headers,
    )
    assert taken.status_code == 409 and taken.json()["code"] == "username_taken"


async def test_users_are_listed_with_masked_phones_and_filtered_by_role(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,  # noqa: ANN001
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    await make_resident("13812345678")
    residents = (await client.get("/v1/admin/users", params={"role": "resident"}, headers=admin_headers)).json()
    assert "138****5678" in [item["phone"] for item in residents["items"]]
    assert all(item["role"] == "resident" for item in residents["items"])
    first = (await client.get("/v1/admin/users", params={"limit": 1}, headers=admin_headers)).json()
    second = (
        await client.get("/v1/admin/users", params={"limit": 1, "cursor": first["next_cursor"]}, headers=admin_headers)
    ).json()
    assert second["items"][0]["id"] > first["items"][0]["id"]
    forged = await client.get("/v1/admin/users", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=admin_headers)
    assert forged.status_code == 400 and forged.json()["code"] == "invalid_cursor"


async def test_role_and_grant_changes_take_effect_on_the_next_request_and_are_audited(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin = await make_staff("admin")
    admin_headers = bearer(app, admin.id)
    operator = await make_staff("operator", ("310104",))
    operator_id, operator_headers = operator.id, bearer(app, operator.id)
    assert (await client.get("/v1/admin/users", headers=operator_headers)).status_code == 403

    regranted = await client.patch(
        f"/v1/admin/users/{operator_id}",
        json={"districts": ["310101", "310115"], "reason": "moved to 黄浦 and 浦东"},
        headers=admin_headers,
    )
    assert regranted.status_code == 200 and regranted.json()["districts"] == ["310101", "310115"]
    me = (await client.get("/v1/me", headers=operator_headers)).json()
    assert me["districts"] == ["310101", "310115"]

    promoted = await client.patch(
        f"/v1/admin/users/{operator_id}", json={"role": "reviewer", "districts": []}, headers=admin_headers
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "reviewer"
    assert (await client.get("/v1/me", headers=operator_headers)).json()["role"] == "reviewer"

    trail = (
        await client.get(
            "/v1/admin/audit", params={"object_type": "user", "object_id": str(operator_id)}, headers=admin_headers
        )
    ).json()["items"]
    actions = [entry["action"] for entry in trail]
    assert actions[:3] == ["user.role", "user.districts", "user.districts"]
    assert trail[2]["reason"] == "moved to 黄浦 and 浦东" and trail[2]["actor_id"] == admin.id
    assert trail[2]["details"] == {"before": ["310104"], "after": ["310101", "310115"]}


async def test_disabling_an_account_locks_it_out_at_once(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    reviewer = await make_staff("reviewer")
    reviewer_id, username = reviewer.id, reviewer.username
    pair = (await client.post("/v1/auth/login", json={"username": username, "password": STAFF_PASSWORD})).json()
    disabled = await client.patch(
        f"/v1/admin/users/{reviewer_id}", json={"active": False, "reason": "left"}, headers=admin_headers
    )
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 401
    assert (await client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401
    login = await client.post("/v1/auth/login", json={"username": username, "password": STAFF_PASSWORD})
    assert login.status_code == 401


async def test_changes_that_break_the_rules_are_refused(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,  # noqa: ANN001
) -> None:
    admin = await make_staff("admin")
    admin_id, admin_headers = admin.id, bearer(app, admin.id)
    operator_id = (await make_staff("operator")).id
    resident_id = (await make_resident("13955556666")).id
    cases = [
        (admin_id, {"active": False}, 409, "last_admin"),
        (admin_id, {"role": "reviewer"}, 409, "last_admin"),
        (operator_id, {"districts": []}, 422, "validation_failed"),
        (operator_id, {"districts": ["999999"]}, 422, "validation_failed"),
        (resident_id, {"role": "operator", "districts": ["310104"]}, 422, "validation_failed"),
        (operator_id, {"role": "superuser"}, 422, "validation_failed"),
        (2_000_000_000, {"active": False}, 404, "not_found"),
    ]
    for user_id, body, status, code in cases:
        answer = await client.patch(f"/v1/admin/users/{user_id}", json=body, headers=admin_headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    me = await client.get("/v1/me", headers=admin_headers)
    assert me.json()["role"] == "admin" and me.json()["active"] is True


async def test_the_audit_trail_cannot_be_changed_through_the_api(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory
) -> None:
    admin_headers = bearer(app, (await make_staff("admin")).id)
    entries = (await client.get("/v1/admin/audit", headers=admin_headers)).json()["items"]
    assert entries and entries[0]["action"] == "user.create"
    for method in ("PUT", "PATCH", "DELETE"):
        answer = await client.request(method, "/v1/admin/audit", headers=admin_headers)
        assert answer.status_code == 405
    # Every route of the app, those of included routers too: the trail is read (by the API and the admins' console
    # page), and nothing else.
    audit_routes = {(method, path) for method, path in app_routes(app) if "audit" in path}
    assert audit_routes == {("GET", "/v1/admin/audit"), ("GET", "/console/admin/audit")}
