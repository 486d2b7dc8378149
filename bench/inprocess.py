"""Where a mix's time goes, without HTTP or a load generator: the app's CPU and the wait for the database.

    .venv/bin/python -m bench.inprocess                          # every list mix and detail, 2,000 requests each
    .venv/bin/python -m bench.inprocess --mixes near_distance --profile 30
    .venv/bin/python -m bench.inprocess --plans                  # each read's execution time, generic vs custom

Runs after `make bench` (or `python -m bench.run`), on the database and request paths it left: the PostgreSQL
`svcdir_bench` (`--database-url` for another) and `bench/results/paths/`. Each request is one raw ASGI call into
the app, as uvicorn makes it, so per request `cpu` is the app's own Python and `wall - cpu` the time spent
waiting for the database. Under wrk the same work shares two cores with the database's backends and wrk itself.

`--plans` records every driver-level read the requests make and runs each statement shape again with
`EXPLAIN ANALYZE` under PostgreSQL's custom plan and its generic plan — the one a prepared read gets after five
executions, which is how the read pool runs them (`api.readers`). A generic plan much slower than the custom one
means the statement hides from the planner something an index needs (bench/README.md: the visibility test).
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from sqlalchemy.engine import make_url

from api import readers
from api.config import Settings
from api.main import create_app
from bench.run import POSTGRES_ADMIN, RESULTS

LIST_MIXES = ("detail", "q_district", "near_distance", "q_near_open_facets")
WARM_UP_REQUESTS = 300
PLAN_SAMPLES = 40


def _default_url() -> str:
    return make_url(POSTGRES_ADMIN).set(database="svcdir_bench").render_as_string(hide_password=False)


def _paths(mix: str) -> list[str]:
    return (RESULTS / "paths" / f"{mix}.txt").read_text().split()


async def _call(app: Any, path: str) -> int:
    url = urlsplit(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": url.path,
        "raw_path": url.path.encode(),
        "query_string": url.query.encode(),
        "root_path": "",
        "headers": [(b"host", b"bench"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _run(app: Any, paths: Sequence[str]) -> tuple[float, float]:
    """CPU and wall seconds per request over `paths`."""
    cpu, wall = time.process_time(), time.perf_counter()
    for path in paths:
        status = await _call(app, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return (time.process_time() - cpu) / len(paths), (time.perf_counter() - wall) / len(paths)


class _RecordingReads:
    """Keeps every statement and its arguments the driver-level reader runs."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, list[Any]]] = []
        self._original = readers.PostgresDriverReader._read

    def __enter__(self) -> "_RecordingReads":
        original, reads = self._original, self.reads

        async def recording(reader: Any, sql: str, arguments: list[Any], *, limit_one: bool) -> Any:
            reads.append((sql, list(arguments)))
            return await original(reader, sql, arguments, limit_one=limit_one)

        readers.PostgresDriverReader._read = recording
        return self

    def __exit__(self, *_: object) -> None:
        readers.PostgresDriverReader._read = self._original


def _sql_literal(value: Any, type_name: str) -> str:
    if isinstance(value, list):
        items = ", ".join(_sql_literal(item, type_name.removesuffix("[]")) for item in value)
        return f"ARRAY[{items}]::{type_name}" if value else f"'{{}}'::{type_name}"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


async def _plan_times(url: str, reads: list[tuple[str, list[Any]]]) -> None:
    by_statement: dict[str, list[list[Any]]] = {}
    for sql, arguments in reads:
        by_statement.setdefault(sql, []).append(arguments)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, server_settings=readers.POSTGRES_READ_SETTINGS)
    try:
        for number, (sql, samples) in enumerate(by_statement.items()):
            types = [parameter.name for parameter in (await connection.prepare(sql)).get_parameters()]
            await connection.execute(f"PREPARE shape_{number}({', '.join(types)}) AS {sql}")
            times = {}
            for mode in ("force_custom_plan", "force_generic_plan"):
                await connection.execute(f"SET plan_cache_mode = {mode}")
                total = 0.0
                for arguments in samples[:PLAN_SAMPLES]:
                    values = ", ".join(_sql_literal(value, name) for value, name in zip(arguments, types, strict=True))
                    lines = await connection.fetch(f"EXPLAIN (ANALYZE, TIMING OFF) EXECUTE shape_{number}({values})")
                    total += float(re.search(r"Execution Time: ([\d.]+)", lines[-1][0]).group(1))
                times[mode] = total / min(PLAN_SAMPLES, len(samples))
            first_line = " ".join(sql.split())[:90]
            print(
                f"  {len(samples):5} runs  custom {times['force_custom_plan']:.3f} ms"
                f"  generic {times['force_generic_plan']:.3f} ms  {first_line}"
            )
    finally:
        await connection.close()


async def main(arguments: argparse.Namespace) -> None:
    if arguments.plans and not arguments.database_url.startswith("postgresql"):
        raise SystemExit("--plans reads PostgreSQL's plans: give a PostgreSQL --database-url")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    settings = Settings(database_url=arguments.database_url, auto_migrate=False, auto_seed=False, database_pool_size=4)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        for mix in arguments.mixes.split(","):
            paths = _paths(mix)
            measured = paths[WARM_UP_REQUESTS : WARM_UP_REQUESTS + arguments.requests]
            await _run(app, paths[:WARM_UP_REQUESTS])
            cpu, wall = await _run(app, measured)
            print(
                f"{mix:20} cpu {cpu * 1000:.3f} ms  wall {wall * 1000:.3f} ms  per request ({len(measured)} requests)"
            )
            if arguments.profile:
                profile = cProfile.Profile()
                profile.enable()
                await _run(app, measured)
                profile.disable()
                pstats.Stats(profile).sort_stats("tottime").print_stats(arguments.profile)
            if arguments.plans:
                with _RecordingReads() as recording:
                    await _run(app, measured[: arguments.plan_requests])
                await _plan_times(arguments.database_url, recording.reads)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=_default_url())
    parser.add_argument("--mixes", default=",".join(LIST_MIXES))
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per mix")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print cProfile's top N functions")
    parser.add_argument("--plans", action="store_true", help="each read's custom and generic plan times")
    parser.add_argument("--plan-requests", type=int, default=300)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
