"""Operators reach only the listings of their districts: elsewhere is a 404, never a hint that it exists."""

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry, Category, Place
from tests.accounts.conftest import StaffFactory, bearer


async def _parking_in(session: AsyncSession, district: str) -> tuple[int, int]:
    row = (
        await session.execute(
            select(Place.id, Place.capacity)
            .join(Category, Category.code == Place.category_code)
            .where(Place.district_code == district, Category.live_capacity_unit.is_not(None), Place.capacity > 5)
            .limit(1)
        )
    ).one()
    return row.id, row.capacity


async def test_an_operator_updates_live_figures_in_a_granted_district_only(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, session: AsyncSession
) -> None:
    operator = await make_staff("operator", ("310104",))
    operator_id, headers = operator.id, bearer(app, operator.id)
    mine, capacity = await _parking_in(session, "310104")
    elsewhere, _ = await _parking_in(session, "310101")

    updated = await client.put(f"/v1/manage/places/{mine}/availability", json={"available": 3}, headers=headers)
    assert updated.status_code == 200 and updated.json()["available"] == 3
    public = (await client.get(f"/v1/places/{mine}")).json()
    assert public["available"] == 3

    for method, path, body in (
        ("GET", f"/v1/manage/places/{elsewhere}", None),
        ("PUT", f"/v1/manage/places/{elsewhere}/availability", {"available": 1}),
        ("GET", "/v1/manage/places/2000000000", None),
    ):
        answer = await client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", path

    too_many = await client.put(
        f"/v1/manage/places/{mine}/availability", json={"available": capacity + 1}, headers=headers
    )
    assert too_many.status_code == 422
    audit = (await session.execute(select(AuditEntry).where(AuditEntry.object_id == str(mine)))).scalars().all()
    assert [(entry.action, entry.actor_id) for entry in audit] == [("place.availability", operator_id)]


async def test_admins_reach_every_district_and_other_roles_none(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    place_id, _ = await _parking_in(session, "310101")
    admin = bearer(app, (await make_staff("admin")).id)
    reviewer = bearer(app, (await make_staff("reviewer")).id)
    resident = bearer(app, (await make_resident("13966667777")).id)
    assert (await client.get(f"/v1/manage/places/{place_id}", headers=admin)).status_code == 200
    for headers in (reviewer, resident):
        answer = await client.get(f"/v1/manage/places/{place_id}", headers=headers)
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert (await client.get(f"/v1/manage/places/{place_id}")).status_code == 401


async def test_listings_without_live_figures_refuse_them(
    app: FastAPI, client: httpx.AsyncClient, make_staff: StaffFactory, session: AsyncSession
) -> None:
    headers = bearer(app, (await make_staff("operator", ("310104",))).id)
    park = (
        await session.execute(
            select(Place.id).where(Place.district_code == "310104", Place.category_code.like("park.%")).limit(1)
        )
    ).scalar_one()
    answer = await client.put(f"/v1/manage/places/{park}/availability", json={"available": 1}, headers=headers)
    assert answer.status_code == 422
