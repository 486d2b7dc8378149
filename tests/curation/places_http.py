"""Operators working on listings through HTTP: their accounts, listings to send, and the calls they make."""

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import AuditEntry, ListingVersion, Place, Street
from tests.accounts.conftest import bearer, new_staff

DISTRICT = "310104"  # 徐汇区, the operators' own
ELSEWHERE = "310110"  # 杨浦区, granted to none of them
MERGE_PATCH = {"content-type": "application/merge-patch+json"}
HOURS = {"weekly": [{"days": [1, 2, 3, 4, 5], "opens": "11:00", "closes": "13:00"}], "on_holidays": "closed"}
ATTRIBUTES = {"meal_times": [{"meal": "lunch", "starts": "11:00", "ends": "13:00"}], "price_yuan": 12}


def draft(name: str = "测试助餐点（测试数据）", **fields: Any) -> dict[str, Any]:
    """The least a draft needs: no location, hours or attributes yet."""
    return {
        "name": name,
        "category": "elder_care.meal_site",
        "district": DISTRICT,
        "address": "徐汇区测试路1号（测试地址）",
        **fields,
    }


def complete(name: str = "测试助餐点（测试数据）", **fields: Any) -> dict[str, Any]:
    """A listing that may be published."""
    return draft(name, location={"lat": 31.1885, "lng": 121.4371}, opening_hours=HOURS, attributes=ATTRIBUTES, **fields)


async def operator_headers(
    app: FastAPI, session: AsyncSession, role: str = "operator", districts: tuple[str, ...] = (DISTRICT,)
) -> tuple[int, str, dict[str, str]]:
    """(id, username, Authorization header) of a new staff account."""
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    account = await new_staff(app, session, role, districts if role == "operator" else (), username)
    await session.commit()
    return account.id, username, bearer(app, account.id)


async def create(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post("/v1/manage/places", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def patch(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    place_id: int,
    changes: dict[str, Any],
    version: int | None,
    **params: str,
) -> httpx.Response:
    if_match = {} if version is None else {"If-Match": f'"{version}"'}
    return await client.patch(
        f"/v1/manage/places/{place_id}",
        json=changes,
        headers={**headers, **MERGE_PATCH, **if_match},
        params=params,
    )


async def action(
    client: httpx.AsyncClient, headers: dict[str, str], place_id: int, name: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await client.post(f"/v1/manage/places/{place_id}/{name}", json=body, headers=headers)


async def street_of(session: AsyncSession, district: str) -> str:
    return (await session.scalars(select(Street.code).where(Street.district_code == district).limit(1))).one()


async def written(session: AsyncSession) -> tuple[int, int, int]:
    """How many listings, versions and audit entries there are: what a refused request must leave unchanged."""
    return (
        await session.scalar(select(func.count()).select_from(Place)),
        await session.scalar(select(func.count()).select_from(ListingVersion)),
        await session.scalar(select(func.count()).select_from(AuditEntry)),
    )
