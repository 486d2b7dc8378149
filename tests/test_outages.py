"""Outages: while the database (or Redis) does not answer, requests get 503 problem+json with Retry-After, as
`/readyz` does, and the service recovers by itself once it is back.

PostgreSQL is a real server of the test's own that it stops and starts (tests/private_postgres.py), migrated and
seeded by the app's own code; the shared server is never touched. SQLite has no server to stop: its outage is a
database held locked by another process past the busy timeout.
"""

import asyncio
import socket
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from api.db import Database, SessionDep
from api.lifecycle import migrate, seed
from api.main import create_app
from models import UserAccount
from tests.conftest import AppFactory, app_settings
from tests.databases import configured_backends, configured_redis
from tests.private_postgres import PrivatePostgres, private_postgres

PEOPLES_SQUARE = "31.2304,121.4737"
Call = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass
class Service:
    app: FastAPI
    client: httpx.AsyncClient
    resident_token: str
    place_id: int

    def calls(self) -> dict[str, Call]:
        """A public read on a session, the two prepared driver-level reads (api/readers.py), and two writes."""
        resident = {"Authorization": f"Bearer {self.resident_token}"}

        async def sign_in_code(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/v1/auth/otp", json={"phone": f"139{uuid.uuid4().int % 10**8:08d}"})

        async def feedback(client: httpx.AsyncClient) -> httpx.Response:
            body = {
                "kind": "complaint",
                "target": {"kind": "place", "id": self.place_id},
                "title": "公厕没有手纸",
                "body": "东门公厕连续三天没有手纸。",
            }
            return await client.post(
                "/v1/feedback", json=body, headers={**resident, "Idempotency-Key": uuid.uuid4().hex}
            )

        return {
            "districts (session read)": lambda client: client.get("/v1/districts"),
            "place by id (driver read)": lambda client: client.get(f"/v1/places/{self.place_id}"),
            "nearest first (driver read)": lambda client: client.get("/v1/places", params={"near": PEOPLES_SQUARE}),
            "sign-in code (write)": sign_in_code,
            "feedback (write)": feedback,
        }

    async def answers(self, names: list[str] | None = None) -> dict[str, httpx.Response]:
        calls = self.calls()
        return {name: await calls[name](self.client) for name in names or calls}


@pytest.fixture
async def service_on(tmp_path: Path) -> AsyncIterator[Callable[[str], Awaitable[Service]]]:
    """The app, without any test transaction, on a database at `url` that the app's own code migrates and seeds."""
    opened: list[tuple[Database, httpx.AsyncClient]] = []

    async def build(url: str) -> Service:
        settings = app_settings(url)
        await asyncio.to_thread(migrate, url)
        await seed(settings)
        app = create_app(settings)
        app.state.database = database = Database(settings)
        async with database.sessionmaker() as session, session.begin():
            now = datetime.now(UTC)
            resident = UserAccount(role="resident", phone="13955550000", created_at=now, updated_at=now)
            session.add(resident)
            await session.flush()
            resident_id = resident.id
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        opened.append((database, client))
        place_id = (await client.get("/v1/places", params={"limit": 1})).json()["items"][0]["id"]
        return Service(app, client, app.state.accounts.tokens.issue_access(resident_id), place_id)

    yield build
    for database, client in opened:
        await client.aclose()
        await database.dispose()


def assert_unavailable(answer: httpx.Response, code: str = "database_unavailable") -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == code
    assert int(answer.headers["retry-after"]) > 0


def assert_answered(answers: dict[str, httpx.Response]) -> None:
    assert {name: answer.status_code for name, answer in answers.items() if answer.status_code >= 300} == {}


@pytest.fixture
def postgres_server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.mark.skipif(
    "postgresql" not in configured_backends(),
    reason="an outage of PostgreSQL: set TEST_POSTGRES_URL to run the PostgreSQL tests (CI always does)",
)
async def test_postgres_down_answers_503_with_retry_after_and_recovers_by_itself(
    postgres_server: PrivatePostgres, service_on: Callable[[str], Awaitable[Service]]
) -> None:
    service = await service_on(postgres_server.url)
    assert_answered(await service.answers())

    postgres_server.stop()
    # Twice: first on the connections the pools hold (now dead), then connecting anew to a server that is gone.
    for _ in range(2):
        for answer in (await service.answers()).values():
            assert_unavailable(answer)
    assert (await service.client.get("/readyz")).status_code == 503

    postgres_server.start()
    assert_answered(await service.answers())
    assert (await service.client.get("/readyz")).status_code == 200


async def test_sqlite_locked_past_the_busy_timeout_answers_503_to_writes_while_reads_go_on(
    tmp_path: Path, service_on: Callable[[str], Awaitable[Service]]
) -> None:
    path = tmp_path / "locked.sqlite3"
    service = await service_on(f"sqlite+aiosqlite:///{path}")
    assert_answered(await service.answers())

    # Another process (a bulk import, a backup taken carelessly) holds the write lock for longer than writers wait.
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert_unavailable((await service.answers(["sign-in code (write)"]))["sign-in code (write)"])
        # WAL: readers do not wait for the writer.
        assert_answered(await service.answers(["districts (session read)", "place by id (driver read)"]))
    finally:
        holder.rollback()
        holder.close()
    assert_answered(await service.answers())


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_redis_that_does_not_answer_makes_readyz_not_ready_and_sign_ins_503(make_app: AppFactory) -> None:
    app = make_app(redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        ready = await client.get("/readyz")
        sign_in = await client.post("/v1/auth/otp", json={"phone": "13900001111"})
    assert ready.status_code == 503 and ready.json()["code"] == "rate_limits_unavailable"
    assert ready.headers["content-type"] == "application/problem+json"
    assert_unavailable(sign_in, "rate_limits_unavailable")


async def test_readyz_is_ready_with_the_configured_rate_limit_store(app: FastAPI, client: httpx.AsyncClient) -> None:
    # The real Redis when TEST_REDIS_URL is set (CI), counters in process memory otherwise.
    assert app.state.settings.redis_url == configured_redis()
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


async def test_a_database_error_that_is_no_outage_stays_a_500(make_app: AppFactory) -> None:
    # A statement the database refuses is a bug, not a reason to tell clients to come back later.
    app = make_app()

    @app.get("/broken")
    async def broken(session: SessionDep) -> None:
        await session.execute(text("SELECT no_such_column FROM district"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get("/broken")
    assert answer.status_code == 500 and answer.json()["code"] == "internal_error"
    assert "retry-after" not in answer.headers
