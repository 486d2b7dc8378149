"""Two real instances of the app (separate processes, different ports) on one database and one Redis, as behind a
load balancer: started at the same moment on an empty database they migrate and seed it once; the rate limits count
across both; the upkeep round at start runs in one of them; what an operator or admin changes through one, the
other shows at once."""

import asyncio
import io
import json
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from api.config import Settings
from api.db import Database
from api.lifecycle import create_staff_user
from tests.calendar.conftest import schedule_2027_body
from tests.curation.places_http import MERGE_PATCH, complete
from tests.databases import blank_database, configured_redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def instance_environment(url: str, folder: Path, **settings: str) -> dict[str, str]:
    """What every instance (and a `svcdir` command beside them) runs with; `settings` added or replaced."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "test",
        "SEED_SAMPLES": "false",
        "FEEDBACK_HOUSEKEEPING_SECONDS": "0",
        "PHOTO_STORAGE_DIR": str(folder / "photos"),
        "HELD_IMPORTS_DIR": str(folder / "held"),
        "RATE_LIMIT_KEY_PREFIX": f"svcdir-two-{uuid.uuid4().hex}",
        "REDIS_URL": configured_redis() or "",
        "PASSWORD_HASH_MEMORY_KIB": "8192",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_PARALLELISM": "1",
        **settings,
    }


@asynccontextmanager
async def instances(url: str, count: int, folder: Path, **settings: str) -> AsyncIterator[list[str]]:
    """`count` instances started together on `url`, each serving on its own port; their base URLs."""
    environment = instance_environment(url, folder, **settings)
    ports = [_free_port() for _ in range(count)]
    # Their logs go to files: a pipe nobody reads would stop a talkative server once full.
    logs = [(folder / f"instance-{port}.log").open("wb") for port in ports]
    servers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.cli", "serve", "--port", str(port), env=environment, stderr=log
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            for base, server in zip(bases, servers, strict=True):
                for _ in range(1200):
                    assert server.returncode is None, f"{base} stopped: see {folder}"
                    try:
                        if (await client.get(f"{base}/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(f"{base} did not start")
        yield bases
    finally:
        for server in servers:
            if server.returncode is None:
                server.terminate()
            await server.wait()
        for log in logs:
            log.close()


STAFF_PASSWORD = "fleet-test-password-7Qx"
CALENDAR_DAYS_AHEAD = "svcdir_holiday_calendar_days_ahead"


async def _create_staff(fleet: "Fleet", username: str, role: str, *districts: str) -> None:
    """As `svcdir create-user` makes accounts beside a running fleet (its own code, in this process)."""
    settings = Settings(
        _env_file=None,
        database_url=fleet.url,
        app_env="test",
        password_hash_memory_kib=8192,
        password_hash_time_cost=1,
        password_hash_parallelism=1,
    )
    await create_staff_user(
        settings, username=username, password=STAFF_PASSWORD, role=role, districts=list(districts), display_name=None
    )


async def _bearer(client: httpx.AsyncClient, base: str, username: str) -> dict[str, str]:
    login = await client.post(f"{base}/v1/auth/login", json={"username": username, "password": STAFF_PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _log_events(folder: Path, base: str) -> list[str]:
    """The events an instance logged (JSON lines), by name."""
    lines = (folder / f"instance-{base.rsplit(':', 1)[1]}.log").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["event"] for line in lines if line.startswith("{")]


async def _days_ahead(client: httpx.AsyncClient, base: str) -> float:
    scraped = (await client.get(f"{base}/metrics")).text
    (family,) = [family for family in text_string_to_metric_families(scraped) if family.name == CALENDAR_DAYS_AHEAD]
    return family.samples[0].value


PHONE, CODE = "13900000202", "135790"  # OTP_TEST_NUMBERS: signs in with this code, no SMS


@dataclass(frozen=True)
class Fleet:
    url: str
    folder: Path
    first: str
    second: str


@pytest.fixture(scope="module")
async def fleet(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Fleet]:
    """Two instances started at the same moment on an empty database, with upkeep on, logging JSON lines."""
    folder = tmp_path_factory.mktemp("fleet")
    settings = {"FEEDBACK_HOUSEKEEPING_SECONDS": "3600", "LOG_JSON": "true", "OTP_TEST_NUMBERS": f"{PHONE}:{CODE}"}
    async with blank_database(backend, folder) as url, instances(url, 2, folder, **settings) as (first, second):
        yield Fleet(url, folder, first, second)


async def test_started_together_they_migrate_and_seed_once_and_one_does_the_upkeep_round(fleet: Fleet) -> None:
    database = Database(Settings(_env_file=None, database_url=fleet.url, app_env="test"))
    try:
        async with database.engine.connect() as connection:
            assert len((await connection.execute(text("SELECT version_num FROM alembic_version"))).all()) == 1
            assert (await connection.execute(text("SELECT count(*) FROM seed_state"))).scalar() == 1
    finally:
        await database.dispose()
    # Both asked for a round at start: one did it, the other found it done (or being done).
    for _ in range(100):
        events = {base: _log_events(fleet.folder, base) for base in (fleet.first, fleet.second)}
        if all({"housekeeping", "housekeeping_skipped"} & set(logged) for logged in events.values()):
            break
        await asyncio.sleep(0.1)
    assert sorted(logged.count("housekeeping") for logged in events.values()) == [0, 1]
    assert sorted(logged.count("housekeeping_skipped") for logged in events.values()) == [0, 1]


async def test_the_rate_limits_count_across_both(fleet: Fleet) -> None:
    # Five sign-in codes an hour to one phone, whichever instance is asked.
    phone = "13900000201"
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = [
            (
                await client.post(f"{(fleet.first, fleet.second)[attempt % 2]}/v1/auth/otp", json={"phone": phone})
            ).status_code
            for attempt in range(6)
        ]
    if configured_redis():
        assert statuses == [202] * 5 + [429]
    else:
        # Without Redis each instance counts alone in its memory (the README says to set REDIS_URL for a fleet).
        assert statuses == [202] * 6


async def test_a_photo_uploaded_through_one_instance_is_served_by_the_other(fleet: Fleet, backend: str) -> None:
    """Each instance with its default photo store: on PostgreSQL the database, which every instance reads; on SQLite
    (one machine, one database file) the folder beside it."""
    picture = io.BytesIO()
    Image.new("RGB", (120, 90), (40, 160, 90)).save(picture, "JPEG")
    first, second = fleet.first, fleet.second
    async with httpx.AsyncClient(timeout=30) as client:
        challenge = await client.post(f"{first}/v1/auth/otp", json={"phone": PHONE})
        assert challenge.status_code == 202, challenge.text
        tokens = await client.post(
            f"{first}/v1/auth/otp/verify", json={"challenge_id": challenge.json()["challenge_id"], "code": CODE}
        )
        assert tokens.status_code == 200, tokens.text
        headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        feedback = await client.post(
            f"{first}/v1/feedback",
            json={
                "kind": "complaint",
                "location": {"lat": 31.2304, "lng": 121.4737},
                "district": "310101",
                "title": "人行道路灯不亮",
                "body": "这一段人行道的路灯晚上一直不亮，老人走路看不清。",
            },
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        assert feedback.status_code == 201, feedback.text
        photo = await client.post(
            f"{first}/v1/feedback/{feedback.json()['id']}/photos",
            files={"file": ("lamp.jpg", picture.getvalue(), "image/jpeg")},
            headers=headers,
        )
        assert photo.status_code == 201, photo.text

        served = await client.get(f"{second}{photo.json()['url']}", headers=headers)
        assert served.status_code == 200, served.text
        assert served.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(served.content)).size == (120, 90)
    folder = fleet.folder / "photos"
    if backend == "postgresql":  # through the database, not a disk the two happen to share here
        assert not folder.exists() or not any(folder.rglob("*.jpg"))
    else:
        assert len(list(folder.rglob("*.jpg"))) == 1


async def test_what_an_operator_or_admin_changes_through_one_the_other_shows_at_once(
    fleet: Fleet, backend: str
) -> None:
    first, second = fleet.first, fleet.second
    await _create_staff(fleet, "xuhui-fleet-ops", "operator", "310104")
    await _create_staff(fleet, "fleet-admin", "admin")
    async with httpx.AsyncClient(timeout=10) as client:
        # An operator works through the first instance; residents asking the second see each change at once.
        operator = await _bearer(client, first, "xuhui-fleet-ops")
        listing = complete("舰队测试助餐点（测试数据）")
        created = await client.post(f"{first}/v1/manage/places", json=listing, headers=operator)
        assert created.status_code == 201, created.text
        place_id = created.json()["id"]
        published = await client.post(f"{first}/v1/manage/places/{place_id}/publish", headers=operator)
        assert published.status_code == 200, published.text
        assert (await client.get(f"{second}/v1/places/{place_id}")).json()["name"] == "舰队测试助餐点（测试数据）"
        renamed = await client.patch(
            f"{first}/v1/manage/places/{place_id}",
            json={"name": "舰队改名助餐点（测试数据）"},
            headers={**operator, **MERGE_PATCH, "If-Match": f'"{published.json()["version"]}"'},
        )
        assert renamed.status_code == 200, renamed.text
        assert (await client.get(f"{second}/v1/places/{place_id}")).json()["name"] == "舰队改名助餐点（测试数据）"
        found = (await client.get(f"{second}/v1/places", params={"q": "舰队改名"})).json()["items"]
        assert [item["id"] for item in found] == [place_id]

        # A year of the holiday calendar loaded through the first counts in the second at once (PostgreSQL:
        # the load's commit notifies every instance; on SQLite, one process in production, each worker
        # reads the calendar again within a minute).
        before = await _days_ahead(client, second)
        admin = await _bearer(client, first, "fleet-admin")
        loaded = await client.put(f"{first}/v1/admin/calendar/2027", json=schedule_2027_body(), headers=admin)
        assert loaded.status_code == 200, loaded.text
        assert await _days_ahead(client, first) == before + 365
        if backend == "postgresql":
            for _ in range(20):
                if await _days_ahead(client, second) == before + 365:
                    break
                await asyncio.sleep(0.1)
            assert await _days_ahead(client, second) == before + 365
