"""Files over 2,000 rows run as a background job with its own sessions: 202 and Location, a report that shows
progress, one transaction. These tests commit for real (the job cannot see a test's rolled-back transaction) and
remove what they wrote."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select

from api.curation.imports.jobs import fail_interrupted
from api.db import Database
from models import ImportJob, ListingVersion, Place
from tests.accounts.conftest import bearer, committed_staff
from tests.curation.import_files import csv_file, sample_row, upload

DISTRICT = "310120"  # 奉贤区: no other test imports there


@pytest.fixture
async def committed_operator(database: Database, live_app: FastAPI) -> AsyncIterator[int]:
    async with committed_staff(database, live_app, "operator", (DISTRICT,)) as user_id:
        yield user_id
        async with database.sessionmaker() as session, session.begin():
            place_ids = (
                await session.scalars(
                    select(Place.id).where(Place.source_id.like("JOB-%"), Place.district_code == DISTRICT)
                )
            ).all()
            keys = [str(place_id) for place_id in place_ids]
            await session.execute(delete(ListingVersion).where(ListingVersion.object_key.in_(keys)))
            await session.execute(delete(Place).where(Place.id.in_(place_ids)))
            await session.execute(delete(ImportJob).where(ImportJob.actor_id == user_id))


async def _poll(client: httpx.AsyncClient, location: str, headers: dict[str, str]) -> list[dict]:
    """Every report seen until the job ends (a bounded number of polls)."""
    seen = []
    for _ in range(2000):
        report = (await client.get(location, headers=headers)).json()
        seen.append(report)
        if report["status"] in ("succeeded", "failed"):
            return seen
        await asyncio.sleep(0.02)
    raise AssertionError(f"the job did not end: {seen[-1]}")


def _rows(count: int) -> list[dict]:
    return [
        sample_row(number, source_id=f"JOB-{number:05d}", district=DISTRICT, lat=30.92 + (number % 50) * 0.002)
        | {"opening_hours": None}
        for number in range(1, count + 1)
    ]


async def test_a_large_file_runs_as_a_job_and_its_report_shows_progress(
    live_app: FastAPI, database: Database, committed_operator: int
) -> None:
    headers = bearer(live_app, committed_operator)
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        rows = _rows(2_001)
        rows[5]["category"] = "nope"
        answer = await upload(client, headers, csv_file(rows))
        assert answer.status_code == 202, answer.text
        location = answer.headers["location"]
        assert location == f"/v1/manage/imports/{answer.json()['id']}"
        assert answer.json()["status"] == "queued" and answer.json()["rows_total"] == 2_001
        seen = await _poll(client, location, headers)
    final = seen[-1]
    assert final["status"] == "succeeded", final
    assert (final["created"], final["rejected"], final["rows_done"]) == (2_000, 1, 2_001)
    assert [issue["row"] for issue in final["issues"] if issue["severity"] == "error"] == [7]
    done = [report["rows_done"] for report in seen]
    assert done == sorted(done)  # progress only moves forward
    async with database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Place)
            .where(Place.source_id.like("JOB-%"), Place.district_code == DISTRICT)
        )
    assert count == 2_000


async def test_a_job_left_running_by_a_stopped_process_is_marked_interrupted(
    database: Database, committed_operator: int
) -> None:
    async with database.sessionmaker() as session, session.begin():
        job = ImportJob(
            actor_id=committed_operator,
            filename="lost.csv",
            file_format="csv",
            status="running",
            created_at=datetime.now(UTC) - timedelta(hours=1),
        )
        session.add(job)
    async with database.sessionmaker() as session, session.begin():
        assert await fail_interrupted(session) >= 1
    async with database.sessionmaker() as session:
        stored = await session.get(ImportJob, job.id)
    assert stored is not None and (stored.status, stored.failure) == ("failed", "interrupted")
