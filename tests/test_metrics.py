"""/metrics as an operations team scrapes it: every worker of an instance added up, the instance named, and the
gauges of the pools, the SMS sends, the overdue feedback and the holiday calendar."""

import asyncio
import os
import socket
import sys
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from api.calendar import health as calendar_health
from api.config import Settings
from api.db import Database
from api.feedback.stats import overdue_count
from api.main import create_app
from api.metrics import forget_dead_workers, track_database


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _files(directory: Path, kind: str) -> set[str]:
    """The workers' metric files of one kind (one a process): `counter_<pid>.db`."""
    return {path.name for path in directory.glob(f"{kind}_*.db")}


def _samples(text: str) -> dict[str, list]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


async def test_metrics_add_up_every_worker_and_name_the_instance(tmp_path) -> None:  # noqa: ANN001
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'served.sqlite3'}",
        "SEED_SAMPLES": "false",
        "FEEDBACK_HOUSEKEEPING_SECONDS": "0",
        "PHOTO_STORAGE_DIR": str(tmp_path / "photos"),
        "METRICS_DIR": str(metrics_dir),
        "INSTANCE_NAME": "test-box:4711",
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "api.cli", "serve", "--workers", "2", "--port", str(port)),
        env=environment,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    sent = 0
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as waiting:
            for _ in range(600):
                try:
                    if (await waiting.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        # A new connection each time: both workers accept on the one socket, so both answer some. At least 40,
        # and until both have answered (the one that started later may still be warming up).
        while sent < 40 or len(_files(metrics_dir, "counter")) < 2:
            async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
                assert (await client.get("/healthz")).status_code == 200
            sent += 1
            assert sent < 2000, "one worker answered every request"
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as client:
            text = (await client.get("/metrics")).text
    finally:
        server.terminate()
        await server.wait()
    samples = _samples(text)
    healthz = [
        sample.value
        for sample in samples["svcdir_http_requests"]
        if sample.name == "svcdir_http_requests_total" and sample.labels["route"] == "/healthz"
    ]
    assert sum(healthz) == sent
    assert [(sample.labels, sample.value) for sample in samples["svcdir_instance_info"]] == [
        ({"instance": "test-box:4711"}, 1.0)
    ]
    assert "svcdir_feedback_overdue" in samples and "svcdir_holiday_calendar_days_ahead" in samples


async def test_gauges_report_pools_sms_overdue_feedback_and_the_calendar(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = _samples((await client.get("/metrics")).text)
    sent_before = sum(s.value for s in before.get("svcdir_sms_sent", []) if s.name == "svcdir_sms_sent_total")
    assert (await client.post("/v1/auth/otp", json={"phone": "13912345678"})).status_code in (200, 201, 202)

    samples = _samples((await client.get("/metrics")).text)
    pools = {sample.labels["pool"]: sample.value for sample in samples["svcdir_db_pool_connections_in_use"]}
    assert {"primary", "read"} <= set(pools) <= {"primary", "read", "driver"}  # driver: PostgreSQL's public reads
    # The test's own transaction holds one primary connection; nothing holds dozens.
    assert 0 <= pools["read"] <= 20 and 1 <= pools["primary"] <= 20
    sent = [s for s in samples["svcdir_sms_sent"] if s.name == "svcdir_sms_sent_total"]
    assert {s.labels["sender"] for s in sent} >= {"console"}
    assert sum(s.value for s in sent) == sent_before + 1
    [overdue] = samples["svcdir_feedback_overdue"]
    # Read on a connection of its own: what is committed, which is what the test's transaction sees too.
    assert overdue.value == await overdue_count(session) >= 0
    [days] = samples["svcdir_holiday_calendar_days_ahead"]
    assert days.value == calendar_health.days_ahead()
    assert [s.labels["instance"] for s in samples["svcdir_instance_info"]]


async def test_a_pool_disposed_with_a_connection_out_does_not_hide_the_connections_in_use(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str
) -> None:
    """An engine disposed while a connection was out (a shutdown, a test's) leaves a pool that counts below zero
    once the connection comes back; the figure of the pools in use must not drop for it."""
    await session.execute(text("SELECT 1"))  # the test's own transaction holds a primary connection
    other = Database(Settings(_env_file=None, database_url=database_url, app_env="test"))
    track_database(other)
    disposed_pool = other.engine.sync_engine.pool
    connection = await other.engine.connect()
    # Outside a transaction: on SQLite a transaction would wait for the test's own to release the write lock.
    await (await connection.execution_options(isolation_level="AUTOCOMMIT")).execute(text("SELECT 1"))
    await other.engine.dispose()
    await connection.close()
    try:
        assert disposed_pool.checkedout() < 0
        samples = _samples((await client.get("/metrics")).text)["svcdir_db_pool_connections_in_use"]
        assert {sample.labels["pool"]: sample.value for sample in samples}["primary"] >= 1
    finally:
        await other.dispose()


async def test_the_driver_level_reads_held_now_are_in_the_pool_gauge(
    client: httpx.AsyncClient, database: Database, backend: str
) -> None:
    async def driver_in_use() -> float | None:
        samples = _samples((await client.get("/metrics")).text)["svcdir_db_pool_connections_in_use"]
        return next((sample.value for sample in samples if sample.labels["pool"] == "driver"), None)

    if backend == "sqlite":
        assert await driver_in_use() is None  # its one connection reads in the event loop's thread: nothing to hold
        return
    slow_read = asyncio.create_task(database.reader.records("SELECT pg_sleep(1)", [], limit_one=True))
    try:
        for _ in range(500):
            if database.reader.connections_in_use:
                break
            await asyncio.sleep(0.01)
        assert await driver_in_use() == 1
    finally:
        await slow_read
    assert await driver_in_use() == 0


async def test_a_scrape_with_the_database_down_answers_without_the_overdue_gauge() -> None:
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", app_env="test")
    app = create_app(settings)
    app.state.database = Database(settings)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            response = await client.get("/metrics")
    finally:
        await app.state.database.dispose()
    assert response.status_code == 200
    samples = _samples(response.text)
    assert "svcdir_feedback_overdue" not in samples
    assert "svcdir_holiday_calendar_days_ahead" in samples and "svcdir_http_requests" in samples


_WORKER = """
import os, sys
from api.metrics import POOL_IN_USE
POOL_IN_USE.labels("primary").set(int(sys.argv[1]))
print("set", flush=True)
if sys.argv[2] == "crash":
    os._exit(1)  # as a killed worker ends: no worker_ends()
sys.stdin.read()
"""


def _pool_in_use(directory: Path) -> float:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    (sample,) = [
        sample
        for family in registry.collect()
        if family.name == "svcdir_db_pool_connections_in_use"
        for sample in family.samples
        if sample.labels.get("pool") == "primary"
    ]
    return sample.value


async def test_a_crashed_workers_connections_stop_counting_at_the_next_scrape(tmp_path) -> None:  # noqa: ANN001
    directory = tmp_path / "metrics"
    directory.mkdir()
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}

    async def worker(in_use: int, ending: str) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _WORKER, str(in_use), ending,
            env=environment, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert await process.stdout.readline() == b"set\n"
        return process

    crashed = await worker(3, "crash")
    await crashed.wait()
    running = await worker(2, "run")
    try:
        assert _pool_in_use(directory) == 5  # the crashed worker's connections, held by no one, still counted
        assert forget_dead_workers(str(directory)) == [crashed.pid]
        assert _pool_in_use(directory) == 2
        assert forget_dead_workers(str(directory)) == []  # the running worker counts on
    finally:
        running.stdin.close()
        await running.wait()
