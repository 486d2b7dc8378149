"""Two operators editing one listing at once, on committed rows and real connections: of two edits made on the same
version, one is applied and the other is refused with 412, never both (a lost update).

The race is forced (tests/races.py): each edit is held just after its If-Match check until both have passed it, so
code that checks and then writes without holding the row lets both through on every run. With the row locked from
the check to the commit (PostgreSQL), or the writers queued (SQLite), the second edit reads the first's version.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select

from api.curation.places.service import EDIT_CHECKED
from api.db import Database
from models import AuditEntry, DistrictGrant, ListingVersion, Place, UserAccount
from tests.accounts.conftest import bearer
from tests.curation.places_http import DISTRICT, MERGE_PATCH, draft
from tests.races import all_answers, racing


@pytest.fixture
async def committed_operator(database: Database) -> AsyncIterator[int]:
    """An operator of DISTRICT committed for real; what it wrote is removed afterwards."""
    now = datetime.now(UTC)
    async with database.sessionmaker() as session, session.begin():
        account = UserAccount(
            role="operator",
            username=f"racing-operator-{uuid.uuid4().hex[:8]}",
            password_hash="not used: the test signs in with a bearer token",
            created_at=now,
            updated_at=now,
        )
        session.add(account)
        await session.flush()
        session.add(DistrictGrant(user_id=account.id, district_code=DISTRICT))
        operator_id = account.id
    yield operator_id
    async with database.sessionmaker() as session, session.begin():
        place_ids = [
            str(key)
            for key in (
                await session.scalars(
                    select(ListingVersion.object_key).where(
                        ListingVersion.object_type == "place", ListingVersion.actor_id == operator_id
                    )
                )
            ).all()
        ]
        await session.execute(
            delete(ListingVersion).where(
                ListingVersion.object_type == "place", ListingVersion.object_key.in_(place_ids)
            )
        )
        await session.execute(delete(AuditEntry).where(AuditEntry.actor_id == operator_id))
        await session.execute(delete(Place).where(Place.id.in_([int(key) for key in place_ids])))
        await session.execute(delete(UserAccount).where(UserAccount.id == operator_id))


async def test_two_edits_of_one_version_at_once_one_is_applied_and_the_other_is_412(
    live_app: FastAPI, database: Database, committed_operator: int
) -> None:
    headers = bearer(live_app, committed_operator)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        created = await client.post("/v1/manage/places", json=draft("测试并发助餐点"), headers=headers)
        assert created.status_code == 201, created.text
        place_id, etag = created.json()["id"], created.headers["etag"]
        edit_headers = {**headers, **MERGE_PATCH, "If-Match": etag}
        with racing(EDIT_CHECKED, parties=2):
            answers = await all_answers(
                *(
                    client.patch(f"/v1/manage/places/{place_id}", json={"name": name}, headers=edit_headers)
                    for name in ("测试并发甲", "测试并发乙")
                )
            )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200, 412], [answer.text for answer in answers]
        applied = next(answer for answer in answers if answer.status_code == 200).json()
        refused = next(answer for answer in answers if answer.status_code == 412)
        assert refused.json()["code"] == "precondition_failed" and refused.headers["etag"] == '"2"'
        current = await client.get(f"/v1/manage/places/{place_id}", headers=headers)
        assert current.json()["name"] == applied["name"] and current.json()["version"] == 2
    async with database.sessionmaker() as session:
        kept = (
            await session.scalars(
                select(ListingVersion.version).where(
                    ListingVersion.object_type == "place", ListingVersion.object_key == str(place_id)
                )
            )
        ).all()
    assert sorted(kept) == [1, 2]
