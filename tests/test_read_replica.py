"""A real streaming replica (`.ci/replica`, TEST_POSTGRES_REPLICA_URL) takes the public reads: the app on a fresh
database of the shared PostgreSQL, with DATABASE_READ_URL on the same database through the replica.

Which server answered is shown by pausing the replica's replay: what is written meanwhile is on the primary only,
so a read that does not show it came from the replica, and one that does came from the primary. Stopping the
replica for real shows public reads falling back on the primary, and going back to the replica once it returns.
"""

import asyncio
import functools
import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.config import PROJECT_ROOT
from api.db import Database
from api.directory import service as directory_service
from api.lifecycle import migrate, seed
from api.main import create_app
from api.notifications_bus import NotificationListener
from tests.accounts.conftest import new_staff
from tests.conftest import app_settings
from tests.databases import POSTGRES_ADMIN_URL, blank_database, configured_replica

REPLICA_URL = configured_replica()
DISTRICT = "310104"  # the operator's own district
RESIDENT_PHONE, RESIDENT_CODE = "13800138000", "246810"
MERGE_PATCH = {"content-type": "application/merge-patch+json"}
NOT_ANSWERING = "not answering: public reads on the primary"


async def _scalar(url: str, sql: str, **parameters: object) -> Any:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text(sql), parameters)).scalar()
    finally:
        await engine.dispose()


class Replica:
    """The replica of the shared PostgreSQL, started and stopped by the same script as in CI."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._environment = {
            **os.environ,
            "PRIMARY_PORT": str(make_url(POSTGRES_ADMIN_URL).port or 5432),
            "REPLICA_PORT": str(make_url(url).port or 5432),
        }

    def _script(self, action: str) -> None:
        done = subprocess.run(
            ["bash", str(PROJECT_ROOT / ".ci" / "replica"), action],
            env=self._environment,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, f".ci/replica {action}: {done.stderr or done.stdout}"

    async def start(self) -> None:
        await asyncio.to_thread(self._script, "start")

    async def stop(self) -> None:
        await asyncio.to_thread(self._script, "stop")

    async def caught_up(self) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        written = await _scalar(POSTGRES_ADMIN_URL, "SELECT pg_current_wal_lsn()::text")
        for _ in range(600):
            if await _scalar(
                self.url, "SELECT pg_last_wal_replay_lsn() >= CAST(CAST(:lsn AS text) AS pg_lsn)", lsn=written
            ):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"the replica did not replay up to {written}")

    @asynccontextmanager
    async def replay_paused(self) -> AsyncIterator[None]:
        """While the block runs, the replica shows the data as it was when it began."""
        await self.caught_up()
        await _scalar(self.url, "SELECT pg_wal_replay_pause()")
        try:
            for _ in range(600):
                if await _scalar(self.url, "SELECT pg_get_wal_replay_pause_state()") == "paused":
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the replica's replay did not pause")
            yield
        finally:
            await _scalar(self.url, "SELECT pg_wal_replay_resume()")


@pytest.fixture(scope="module")
async def replica() -> AsyncIterator[Replica]:
    if not REPLICA_URL:  # only when this file is named: the suite leaves it out then (tests/conftest.py)
        raise RuntimeError("the read-replica tests need TEST_POSTGRES_URL and TEST_POSTGRES_REPLICA_URL")
    server = Replica(REPLICA_URL)
    await server.start()  # made if missing, started if stopped: a no-op as CI leaves it
    yield server
    await server.start()  # running again for whoever comes next, whatever a test left


@pytest.fixture(scope="module")
async def primary_url(replica: Replica, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A fresh database on the primary, migrated and seeded by the app's own code."""
    async with blank_database("postgresql", tmp_path_factory.mktemp("replica")) as url:
        await asyncio.to_thread(migrate, url)
        await seed(app_settings(url))
        yield url


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    primary_url: str
    replica_url: str
    operator: dict[str, str]

    async def a_place(self) -> dict[str, Any]:
        """A published listing of the operator's district, as the public sees it."""
        answer = await self.client.get("/v1/places", params={"district": DISTRICT, "limit": 1})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"][0]

    async def public_name(self, place_id: int) -> str:
        answer = await self.client.get(f"/v1/places/{place_id}")
        assert answer.status_code == 200, answer.text
        return answer.json()["name"]

    async def nearby_names(self, place: dict[str, Any]) -> list[str]:
        near = f"{place['location']['lat']},{place['location']['lng']}"
        answer = await self.client.get("/v1/places", params={"near": near, "limit": 5})
        assert answer.status_code == 200, answer.text
        return [item["name"] for item in answer.json()["items"]]

    async def found_by_search(self, words: str) -> list[int]:
        answer = await self.client.get("/v1/search", params={"q": words, "kinds": "place"})
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    async def rename(self, place_id: int, name: str) -> None:
        """The operator renames the listing, and sees the new name in their own listing at once."""
        managed = await self.client.get(f"/v1/manage/places/{place_id}", headers=self.operator)
        assert managed.status_code == 200, managed.text
        answer = await self.client.patch(
            f"/v1/manage/places/{place_id}",
            content=f'{{"name": "{name}"}}'.encode(),
            headers={**self.operator, **MERGE_PATCH, "If-Match": managed.headers["ETag"]},
        )
        assert answer.status_code == 200, answer.text
        managed = await self.client.get(f"/v1/manage/places/{place_id}", headers=self.operator)
        assert managed.status_code == 200 and managed.json()["name"] == name

    async def stored_name(self, url: str, place_id: int) -> str:
        return await _scalar(url, "SELECT name FROM place WHERE id = :id", id=place_id)

    async def readiness(self) -> dict[str, Any]:
        answer = await self.client.get("/readyz")
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
async def service_with(primary_url: str, replica: Replica) -> AsyncIterator[Callable[..., Awaitable[Service]]]:
    """The app with DATABASE_READ_URL on the replica; keyword arguments override its settings."""
    opened: list[tuple[Database, httpx.AsyncClient]] = []
    replica_url = make_url(replica.url).set(database=make_url(primary_url).database).render_as_string(False)

    async def build(**overrides: object) -> Service:
        settings = app_settings(
            primary_url,
            database_read_url=replica_url,
            otp_test_numbers=f"{RESIDENT_PHONE}:{RESIDENT_CODE}",
            **overrides,
        )
        app = create_app(settings)
        app.state.database = database = Database(settings)
        async with database.sessionmaker() as session, session.begin():
            operator = await new_staff(app, session, "operator", (DISTRICT,))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        opened.append((database, client))
        headers = {"Authorization": f"Bearer {app.state.accounts.tokens.issue_access(operator.id)}"}
        await replica.caught_up()  # the new database, and the operator, are on the replica too
        return Service(app, client, primary_url, replica_url, headers)

    yield build
    for database, client in opened:
        await client.aclose()
        await database.dispose()


def new_name() -> str:
    return f"测试助餐点{uuid.uuid4().hex[:6]}（测试数据）"


async def test_public_reads_come_from_the_replica_and_writes_go_to_the_primary(
    replica: Replica, service_with: Callable[..., Awaitable[Service]]
) -> None:
    service = await service_with()
    place = await service.a_place()
    old_name, renamed = place["name"], new_name()
    assert (await service.readiness())["read_replica"] == "in use"

    async with replica.replay_paused():
        await service.rename(place["id"], renamed)
        assert await service.stored_name(service.primary_url, place["id"]) == renamed
        assert await service.stored_name(service.replica_url, place["id"]) == old_name
        # The listing by id and the nearest-first list (driver-level reads) still show what the replica has.
        assert await service.public_name(place["id"]) == old_name
        assert old_name in await service.nearby_names(place)
        assert renamed not in await service.nearby_names(place)
        assert place["id"] not in await service.found_by_search(renamed)

    await replica.caught_up()
    assert await service.public_name(place["id"]) == renamed
    assert renamed in await service.nearby_names(place)
    assert place["id"] in await service.found_by_search(renamed)


async def test_a_resident_sees_their_own_account_and_feedback_at_once_while_the_replica_lags(
    replica: Replica, service_with: Callable[..., Awaitable[Service]]
) -> None:
    service = await service_with()
    client, place = service.client, await service.a_place()
    public_total = (await client.get("/v1/stats/feedback")).json()["total"]

    async with replica.replay_paused():
        # A new resident: the account made by signing in is on the primary only.
        challenge = (await client.post("/v1/auth/otp", json={"phone": RESIDENT_PHONE})).json()["challenge_id"]
        signed_in = await client.post("/v1/auth/otp/verify", json={"challenge_id": challenge, "code": RESIDENT_CODE})
        assert signed_in.status_code == 200, signed_in.text
        resident = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
        me = await client.get("/v1/me", headers=resident)
        assert me.status_code == 200, me.text
        assert me.json()["phone"] == RESIDENT_PHONE

        sent = await client.post(
            "/v1/feedback",
            json={
                "kind": "complaint",
                "target": {"kind": "place", "id": place["id"]},
                "title": "午餐供应时间与公示不符",
                "body": "公示写十一点开始供应，实际十一点半才开门。",
            },
            headers={**resident, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert sent.status_code == 201, sent.text
        feedback_id = sent.json()["id"]
        mine = await client.get("/v1/me/feedback", headers=resident)
        assert mine.status_code == 200 and [item["id"] for item in mine.json()["items"]] == [feedback_id]
        detail = await client.get(f"/v1/feedback/{feedback_id}", headers=resident)
        assert detail.status_code == 200 and detail.json()["title"] == "午餐供应时间与公示不符"
        # The public statistics (a read on a session) come from the replica: not counted there yet.
        assert (await client.get("/v1/stats/feedback")).json()["total"] == public_total

    await replica.caught_up()
    assert (await client.get("/v1/stats/feedback")).json()["total"] == public_total + 1


async def test_public_reads_fall_back_on_the_primary_while_the_replica_is_stopped_and_return_to_it(
    replica: Replica, service_with: Callable[..., Awaitable[Service]]
) -> None:
    retry_seconds = 0.5
    service = await service_with(database_read_retry_seconds=retry_seconds)
    client, place = service.client, await service.a_place()
    # Connections to the replica are open in both pools (driver-level and session reads).
    assert await service.public_name(place["id"]) == place["name"]
    assert (await client.get("/v1/stats/feedback")).status_code == 200

    await replica.stop()
    try:
        renamed = new_name()
        await service.rename(place["id"], renamed)
        assert await service.public_name(place["id"]) == renamed
        assert renamed in await service.nearby_names(place)
        assert (await client.get("/v1/stats/feedback")).status_code == 200
        assert (await service.readiness())["read_replica"] == NOT_ANSWERING
    finally:
        await replica.start()

    await asyncio.sleep(retry_seconds)  # the replica is tried again once its retry period is over
    async with replica.replay_paused():
        renamed_again = new_name()
        await service.rename(place["id"], renamed_again)
        assert await service.public_name(place["id"]) == renamed  # the replica's, not yet the new one
        assert renamed in await service.nearby_names(place)
    assert (await service.readiness())["read_replica"] == "in use"
    await replica.caught_up()
    assert await service.public_name(place["id"]) == renamed_again


async def test_a_replica_that_failed_is_left_alone_for_the_retry_period(
    replica: Replica, service_with: Callable[..., Awaitable[Service]]
) -> None:
    service = await service_with(database_read_retry_seconds=3600)
    place = await service.a_place()

    await replica.stop()
    try:
        assert await service.public_name(place["id"]) == place["name"]
    finally:
        await replica.start()

    # Back and answering, but not tried before the retry period is over: public reads stay on the primary.
    async with replica.replay_paused():
        renamed = new_name()
        await service.rename(place["id"], renamed)
        assert await service.public_name(place["id"]) == renamed
        assert renamed in await service.nearby_names(place)
        assert (await service.readiness())["read_replica"] == NOT_ANSWERING


async def _district_name_shown(service: Service, place_id: int) -> str:
    answer = await service.client.get(f"/v1/places/{place_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["district_name"]


async def _rename_district(database: Database, code: str, name: str) -> None:
    """As the seed changes reference data: the change and its announcement in one transaction, on the primary."""
    async with database.sessionmaker() as session, session.begin():
        await session.execute(text("UPDATE district SET name = :name WHERE code = :code"), {"name": name, "code": code})
        await directory_service.announce_reference_change(session)


async def test_renamed_reference_data_is_shown_once_the_replica_has_it_not_a_minute_later(
    replica: Replica, service_with: Callable[..., Awaitable[Service]]
) -> None:
    """The names kept per process are forgotten on the notification, and again when the replica has replayed the
    change: names read from the lagging replica in between are not kept for their minute."""
    service = await service_with()
    database: Database = service.app.state.database
    place = await service.a_place()
    old_name = await _district_name_shown(service, place["id"])
    listener = NotificationListener(
        service.primary_url,
        {
            directory_service.REFERENCE_CHANNEL: functools.partial(
                directory_service.forget_reference_names_once_replicated, database
            )
        },
    )
    listener.start()
    try:
        await asyncio.wait_for(listener.listening.wait(), timeout=10)
        async with replica.replay_paused():
            await _rename_district(database, DISTRICT, "改名测试区")
            await asyncio.sleep(0.5)  # the notification has come: the names are read again, from the replica
            assert await _district_name_shown(service, place["id"]) == old_name
        for _ in range(100):
            if await _district_name_shown(service, place["id"]) == "改名测试区":
                break
            await asyncio.sleep(0.05)
        assert await _district_name_shown(service, place["id"]) == "改名测试区"
    finally:
        await _rename_district(database, DISTRICT, old_name)
        await listener.aclose()
