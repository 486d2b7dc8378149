"""The served app's log, as an operations team reads it: with LOG_JSON=true every line is JSON (uvicorn's and the
migrations' too), and the lines of a request carry its request id, the caller's or a new one."""

import asyncio
import json
import os
import socket
import sys

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_every_line_is_json_and_a_requests_lines_carry_its_id(tmp_path) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'served.sqlite3'}",
        "LOG_JSON": "true",
        "SEED_SAMPLES": "false",
        "FEEDBACK_HOUSEKEEPING_SECONDS": "0",
        "PHOTO_STORAGE_DIR": str(tmp_path / "photos"),
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "serve", "--port", str(port), env=environment, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(600):
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            answered = await client.get("/v1/categories", headers={"X-Request-ID": "ops-trace-4711"})
            assert answered.headers["x-request-id"] == "ops-trace-4711"
            made = (await client.get("/v1/no-such-thing")).headers["x-request-id"]
    finally:
        server.terminate()
        _, errors = await server.communicate()
    lines = [line for line in errors.decode().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON, or this fails naming it
    assert any("Running upgrade" in record["event"] for record in records)  # Alembic's lines too
    access = [record for record in records if "GET /v1/categories" in record["event"]]
    assert [record["request_id"] for record in access] == ["ops-trace-4711"]
    missing = [record for record in records if "GET /v1/no-such-thing" in record["event"]]
    assert [record["request_id"] for record in missing] == [made]
