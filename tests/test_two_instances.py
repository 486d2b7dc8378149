"""Two real instances of the app (separate processes, different ports) on one database and one Redis, as behind a
load balancer: started at the same moment on an empty database they migrate and seed it once, and the rate limits
count across both."""

import asyncio
import io
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from PIL import Image
from sqlalchemy import text

from api.config import Settings
from api.db import Database
from tests.databases import blank_database, configured_redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def instances(url: str, count: int, folder, **extra_environment: str) -> AsyncIterator[list[str]]:  # noqa: ANN001
    """`count` instances started together on `url`, each serving on its own port; their base URLs. Keyword
    arguments add environment variables (OTP_TEST_NUMBERS=…)."""
    prefix = f"svcdir-two-{uuid.uuid4().hex}"
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "test",
        "SEED_SAMPLES": "false",
        "FEEDBACK_HOUSEKEEPING_SECONDS": "0",
        "PHOTO_STORAGE_DIR": str(folder / "photos"),
        "HELD_IMPORTS_DIR": str(folder / "held"),
        "RATE_LIMIT_KEY_PREFIX": prefix,
        "REDIS_URL": configured_redis() or "",
        "PASSWORD_HASH_MEMORY_KIB": "8192",
        "PASSWORD_HASH_TIME_COST": "1",
        "PASSWORD_HASH_PARALLELISM": "1",
        **extra_environment,
    }
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


async def test_two_instances_migrate_once_and_share_the_rate_limits(backend, tmp_path) -> None:
    async with blank_database(backend, tmp_path) as url, instances(url, 2, tmp_path) as (first, second):
        database = Database(Settings(_env_file=None, database_url=url, app_env="test"))
        try:
            async with database.engine.connect() as connection:
                assert len((await connection.execute(text("SELECT version_num FROM alembic_version"))).all()) == 1
                assert (await connection.execute(text("SELECT count(*) FROM seed_state"))).scalar() == 1
        finally:
            await database.dispose()

        # Five sign-in codes an hour to one phone, whichever instance is asked.
        phone = "13900000201"
        async with httpx.AsyncClient(timeout=10) as client:
            statuses = [
                (await client.post(f"{(first, second)[attempt % 2]}/v1/auth/otp", json={"phone": phone})).status_code
                for attempt in range(6)
            ]
        if configured_redis():
            assert statuses == [202] * 5 + [429]
        else:
            # Without Redis each instance counts alone in its memory (the README says to set REDIS_URL for a fleet).
            assert statuses == [202] * 6


async def test_a_photo_uploaded_through_one_instance_is_served_by_the_other(backend, tmp_path) -> None:  # noqa: ANN001
    """Each instance with its default photo store: on PostgreSQL the database, which every instance reads; on SQLite
    (one machine, one database file) the folder beside it."""
    phone, code = "13900000202", "135790"
    picture = io.BytesIO()
    Image.new("RGB", (120, 90), (40, 160, 90)).save(picture, "JPEG")
    async with (
        blank_database(backend, tmp_path) as url,
        instances(url, 2, tmp_path, OTP_TEST_NUMBERS=f"{phone}:{code}") as (first, second),
        httpx.AsyncClient(timeout=30) as client,
    ):
        challenge = await client.post(f"{first}/v1/auth/otp", json={"phone": phone})
        assert challenge.status_code == 202, challenge.text
        tokens = await client.post(
            f"{first}/v1/auth/otp/verify", json={"challenge_id": challenge.json()["challenge_id"], "code": code}
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
    folder = tmp_path / "photos"
    if backend == "postgresql":  # through the database, not a disk the two happen to share here
        assert not folder.exists() or not any(folder.rglob("*.jpg"))
    else:
        assert len(list(folder.rglob("*.jpg"))) == 1
