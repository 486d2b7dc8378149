"""The import benchmark: N generated rows through the bulk import (file read, every row checked, listings, versions
and audit entries written in batches, published listings indexed for search), on a fresh database per backend.

    .venv/bin/python -m bench.import_rows                         # PostgreSQL then SQLite, 10,000 rows
    .venv/bin/python -m bench.import_rows --databases sqlite --rows 2000 --profile 25

Prints rows a second for the first import (everything created, complete rows published) and for the same file
again (everything unchanged), with where the time went.
"""

import argparse
import asyncio
import cProfile
import os
import pstats
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from api.config import PROJECT_ROOT, Settings
from api.curation.formats.spreadsheets import read_table, write_csv
from api.curation.imports.columns import match_header
from api.curation.imports.service import import_table
from api.db import Database
from api.deps import Principal
from api.lifecycle import migrate
from api.listings import write_hooks
from bench.run import _fresh_postgres
from models import District, ImportJob, Place, UserAccount
from seed.loader import load_seed

RESULTS = PROJECT_ROOT / "bench" / "results"
HEADER = ["source_id", "name", "category", "district", "address", "lat", "lng", "coord", "opening_hours"]
HOURS = ("Mo-Su 06:00-22:00", "Mo-Fr 08:00-17:00; PH off", "Mo-Sa 09:00-12:00,13:30-17:00", "")
# A mix of what publishing finds: toilets complete (published), meal sites without their attributes column
# (incomplete drafts), parcel lockers without hours.
CATEGORIES = ("convenience.toilet", "convenience.toilet", "elder_care.meal_site", "convenience.parcel_locker")


def _rows(count: int, districts: list[tuple[str, str, float, float]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for number in range(count):
        code, name, lat, lng = districts[number % len(districts)]
        spread = number // len(districts)
        located = number % 10 != 9  # one row in ten waits for its location
        rows.append(
            [
                f"BENCH-{number:06d}",
                f"基准测试场所{number}号（测试数据）",
                CATEGORIES[number % len(CATEGORIES)],
                name if number % 2 else code,
                f"{name}基准测试路{number}号（测试地址）",
                round(lat + (spread % 60) * 0.002, 6) if located else None,
                round(lng + (spread // 60) * 0.002, 6) if located else None,
                "gcj02" if located and number % 3 == 0 else ("wgs84" if located else None),
                HOURS[number % len(HOURS)],
            ]
        )
    return rows


async def _prepare(kind: str) -> str:
    if kind == "postgresql":
        url = await _fresh_postgres("svcdir_bench_import")
    else:
        url = _fresh_sqlite(RESULTS / "import.sqlite3")
    await asyncio.to_thread(migrate, url)
    return url


def _fresh_sqlite(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite+aiosqlite:///{path}"


async def _import(database: Database, principal: Principal, content: bytes, profile: int) -> dict[str, float]:
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    table = read_table(content, "bench.csv", "text/csv")
    header = match_header(table.header)
    read = time.perf_counter()
    async with database.sessionmaker() as session, session.begin():
        job = ImportJob(actor_id=principal.user_id, filename="bench.csv", file_format="csv", publish=True)
        session.add(job)
        await session.flush()
        await import_table(session, principal, job, table, header)
        counts = {"created": job.created, "updated": job.updated, "unchanged": job.unchanged}
        written = time.perf_counter()
    committed = time.perf_counter()
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(profile)
    rows = len(table.rows)
    return counts | {
        "rows_per_second": rows / (committed - started),
        "read_s": read - started,
        "import_s": written - read,
        "commit_s": committed - written,
    }


async def run(kind: str, rows: int, profile: int) -> None:
    url = await _prepare(kind)
    write_hooks.install()  # the import writes listings through the session, as in the app
    database = Database(Settings(database_url=url, app_env="test"))
    try:
        async with database.sessionmaker() as session, session.begin():
            await load_seed(session, include_samples=False)
            now = datetime.now(UTC)
            admin = UserAccount(role="admin", username="bench-admin", password_hash="!", created_at=now, updated_at=now)
            session.add(admin)
            await session.flush()
            districts = (
                await session.execute(select(District.code, District.name, District.center_lat, District.center_lng))
            ).all()
        principal = Principal(admin.id, "admin", frozenset())
        content = write_csv(HEADER, _rows(rows, [tuple(row) for row in districts]))
        first = await _import(database, principal, content, profile)
        again = await _import(database, principal, content, 0)
        async with database.sessionmaker() as session:
            published = await session.scalar(
                select(func.count())
                .select_from(Place)
                .where(Place.source_id.like("BENCH-%"), Place.status == "published")
            )
            column = "rowid" if kind == "sqlite" else "place_id"
            benched = "SELECT id FROM place WHERE source_id LIKE 'BENCH-%'"
            indexed = await session.scalar(text(f"SELECT count(*) FROM search_place WHERE {column} IN ({benched})"))
    finally:
        await database.dispose()
    print(f"{kind}: {rows} rows, {len(content) / 2**20:.1f} MiB CSV; {published} published, {indexed} indexed")
    for label, result in (("first import", first), ("same file again", again)):
        print(
            f"  {label}: {result['rows_per_second']:.0f} rows/s (created {result['created']}, updated "
            f"{result['updated']}, unchanged {result['unchanged']}; read {result['read_s']:.2f} s, checks and "
            f"writes {result['import_s']:.2f} s, commit {result['commit_s']:.2f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N of the first import")
    arguments = parser.parse_args()
    for kind in arguments.databases.split(","):
        asyncio.run(run(kind, arguments.rows, arguments.profile))


if __name__ == "__main__":
    main()
