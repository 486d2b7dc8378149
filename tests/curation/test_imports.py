"""Bulk import through HTTP, on both databases: reports, encodings, re-imports, grants, duplicates, publishing."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ListingVersion, Place
from tests.accounts.conftest import bearer, new_staff
from tests.curation.import_files import csv_file, sample_row, upload


@pytest.fixture
async def operator(app: FastAPI, session: AsyncSession) -> dict[str, str]:
    account = await new_staff(app, session, "operator", ("310104",))
    await session.commit()
    return bearer(app, account.id)


async def _versions(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(ListingVersion)) or 0


async def test_a_hundred_rows_with_three_bad_ones_write_ninety_seven(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    rows = [sample_row(number) for number in range(1, 101)]
    rows[9]["category"] = "elder_care"  # a parent category, not one a listing can have
    rows[49]["district"] = "杨浦区"  # not granted to this operator
    rows[76]["opening_hours"] = "Mo-Fr 25:00-26:00"
    answer = await upload(client, operator, csv_file(rows))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["rows_total"], report["created"], report["rejected"]) == (100, 97, 3)
    assert report["status"] == "succeeded" and report["updated"] == report["unchanged"] == 0
    errors = {(i["row"], i["column"], i["code"]) for i in report["issues"] if i["severity"] == "error"}
    assert errors == {
        (11, "category", "unknown_category"),
        (51, "district", "district_not_granted"),
        (78, "opening_hours", "invalid_opening_hours"),
    }
    written = (await session.scalars(select(Place).where(Place.source_id.like("T-%")))).all()
    assert len(written) == 97 and {place.status for place in written} == {"draft"}
    version = await session.scalar(
        select(ListingVersion).where(ListingVersion.object_key == str(written[0].id), ListingVersion.version == 1)
    )
    assert version is not None and (version.source, version.source_ref) == ("import", report["id"])
