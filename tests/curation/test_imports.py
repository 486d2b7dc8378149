"""Bulk import through HTTP, on both databases: reports, encodings, re-imports, grants, duplicates, publishing."""

import io

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ImportJob, ListingVersion, Place
from tests.accounts.conftest import bearer, new_staff
from tests.curation.import_files import HEADER, MEAL_SITE, TOILET, XLSX, csv_file, sample_row, upload


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


async def test_a_gb18030_file_with_chinese_headings_and_district_names(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    header = ["名称", "类别", "区", "地址", "纬度", "经度", "开放时间", "备注"]
    rows = [
        {
            "名称": "测试公厕（测试数据）",
            "类别": TOILET,
            "区": "徐汇区",
            "地址": "徐汇区田林街道测试路1号（测试地址）",
            "纬度": 31.17,
            "经度": 121.42,
            "开放时间": "Mo-Fr 08:00-18:00; PH off",
            "备注": "无",
        },
    ]
    answer = await upload(client, operator, csv_file(rows, header, encoding="gb18030"))
    report = answer.json()
    assert answer.status_code == 200 and report["created"] == 1, report
    assert report["encoding"] == "gb18030"
    codes = {(issue["column"], issue["code"]) for issue in report["issues"]}
    assert ("备注", "unknown_column") in codes and ("街镇", "street_inferred") not in codes
    assert ("street", "street_inferred") in codes
    place = await session.get(Place, report["issues"][-1]["place_id"])
    assert place is not None and place.name == "测试公厕（测试数据）" and place.district_code == "310104"
    assert place.street_code == "310104011"  # 田林街道
    assert place.opening_hours == {
        "weekly": [{"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "18:00"}],
        "exceptions": [],
        "on_holidays": "closed",
    }


async def test_an_xlsx_file_and_a_utf8_file_with_a_byte_order_mark(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for number in (1, 2):
        sheet.append(list(sample_row(number).values()))  # coordinates as numbers, as Excel keeps them
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = await upload(client, operator, buffer.getvalue(), "places.xlsx", XLSX)
    assert answer.status_code == 200 and answer.json()["created"] == 2, answer.text
    assert answer.json()["file_format"] == "xlsx"

    with_bom = csv_file([sample_row(3)], encoding="utf-8-sig")
    assert with_bom.startswith(b"\xef\xbb\xbf")
    answer = await upload(client, operator, with_bom)
    assert answer.json()["created"] == 1 and answer.json()["encoding"] == "utf-8-sig"
    located = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    assert located is not None and (located.lat, located.lng) == (sample_row(1)["lat"], sample_row(1)["lng"])
    assert await session.scalar(select(Place.id).where(Place.source_id == "T-00003")) is not None


async def test_importing_the_same_file_again_changes_nothing(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    rows = [sample_row(number) for number in range(1, 21)]
    rows.append(
        {
            "source_id": None,
            "name": "测试公厕无编号（测试数据）",
            "category": TOILET,
            "district": "310104",
            "address": "徐汇区测试路99号（测试地址）",
            "lat": 31.1,
            "lng": 121.3,
            "opening_hours": "",
        }
    )
    content = csv_file(rows)
    first = (await upload(client, operator, content, publish=True)).json()
    assert (first["created"], first["rejected"]) == (21, 0)
    versions_before = await _versions(session)
    second = (await upload(client, operator, content, publish=True)).json()
    assert (second["created"], second["updated"], second["unchanged"], second["rejected"]) == (0, 0, 21, 0)
    assert await _versions(session) == versions_before

    rows[0]["name"] = "测试公厕改名（测试数据）"
    third = (await upload(client, operator, csv_file(rows))).json()
    assert (third["updated"], third["unchanged"]) == (1, 20)
    renamed = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    assert renamed is not None and renamed.status == "published" and renamed.version == 3
    latest = await session.scalar(
        select(ListingVersion).where(ListingVersion.object_key == str(renamed.id), ListingVersion.version == 3)
    )
    assert latest is not None and latest.changes == [
        {"field": "name", "old": "测试公厕1号（测试数据）", "new": "测试公厕改名（测试数据）"}
    ]


async def test_rows_outside_the_operators_districts_are_rejected_and_nothing_of_them_written(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    rows = [sample_row(1, district="310110"), sample_row(2, district="黄浦区"), sample_row(3, district="火星区")]
    report = (await upload(client, operator, csv_file(rows))).json()
    assert (report["created"], report["rejected"]) == (0, 3)
    assert [issue["code"] for issue in report["issues"]] == [
        "district_not_granted",
        "district_not_granted",
        "unknown_district",
    ]
    assert await session.scalar(select(func.count()).select_from(Place).where(Place.source_id.like("T-%"))) == 0


async def test_a_row_resembling_a_listing_nearby_stays_a_draft_with_a_warning(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    first = (await upload(client, operator, csv_file([sample_row(1, name="测试路公共厕所（测试数据）")]))).json()
    original = first["issues"][0]["place_id"] if first["issues"] else None
    original = original or await session.scalar(select(Place.id).where(Place.source_id == "T-00001"))
    # 30 m north, a name written a little differently, another office key.
    nearby = sample_row(1, source_id="OTHER-1", name="徐汇区测试路公共厕所", lat=sample_row(1)["lat"] + 0.00027)
    far = sample_row(2, source_id="OTHER-2", name="测试路公共厕所（测试数据）")  # the same name, 300 m away
    report = (await upload(client, operator, csv_file([nearby, far]), publish=True)).json()
    assert report["created"] == 2
    warning = next(issue for issue in report["issues"] if issue["code"] == "possible_duplicate")
    assert (warning["row"], warning["duplicate_of"]) == (2, original)
    duplicate = await session.get(Place, warning["place_id"])
    assert duplicate is not None and duplicate.status == "draft"
    assert [(w["code"], w.get("place_id")) for w in duplicate.warnings] == [("possible_duplicate", original)]
    assert (await session.scalar(select(Place).where(Place.source_id == "OTHER-2"))).status == "published"


async def test_rows_without_coordinates_are_drafts_waiting_for_a_location(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    report = (await upload(client, operator, csv_file([sample_row(1, lat=None, lng=None)]), publish=True)).json()
    assert report["created"] == 1
    codes = {(issue["column"], issue["code"]) for issue in report["issues"]}
    assert {("lat", "needs_location"), (None, "incomplete")} <= codes
    place = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    assert place is not None and place.status == "draft" and place.lat is None
    assert [w["code"] for w in place.warnings] == ["needs_location", "incomplete"]


async def test_publish_makes_complete_rows_public_and_leaves_the_others_drafts(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    rows = [sample_row(1, name="测试公厕甲乙丙（测试数据）"), sample_row(2, category=MEAL_SITE)]
    report = (await upload(client, operator, csv_file(rows), publish=True)).json()
    assert report["created"] == 2
    incomplete = [issue for issue in report["issues"] if issue["code"] == "incomplete"]
    assert [issue["row"] for issue in incomplete] == [3] and "attributes" in incomplete[0]["message"]
    found = (await client.get("/v1/places", params={"q": "测试公厕甲乙丙"})).json()["items"]
    assert [item["name"] for item in found] == ["测试公厕甲乙丙（测试数据）"]
    statuses = dict(
        (await session.execute(select(Place.source_id, Place.status).where(Place.source_id.like("T-%")))).all()
    )
    assert statuses == {"T-00001": "published", "T-00002": "draft"}
    published = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    history = (
        await session.scalars(
            select(ListingVersion)
            .where(ListingVersion.object_key == str(published.id))
            .order_by(ListingVersion.version)
        )
    ).all()
    assert [(v.version, v.source, v.source_ref) for v in history] == [
        (1, "import", report["id"]),
        (2, "import", report["id"]),
    ]


async def test_a_dry_run_reports_and_writes_nothing(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    versions_before = await _versions(session)
    rows = [sample_row(1), sample_row(2, category="nope")]
    report = (await upload(client, operator, csv_file(rows), dry_run=True, publish=True)).json()
    assert (report["dry_run"], report["created"], report["rejected"]) == (True, 1, 1)
    assert await session.scalar(select(func.count()).select_from(Place).where(Place.source_id.like("T-%"))) == 0
    assert await _versions(session) == versions_before
    job = await session.get(ImportJob, report["id"])
    assert job is not None and job.dry_run and job.status == "succeeded"


async def test_files_that_cannot_be_imported(client: httpx.AsyncClient, operator: dict[str, str]) -> None:
    missing = await upload(client, operator, csv_file([{"name": "测试", "category": TOILET}]))
    assert missing.status_code == 422 and missing.json()["code"] == "missing_columns"
    assert {error["loc"][-1] for error in missing.json()["errors"]} == {"district", "address"}

    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    refused = await upload(client, operator, png, "photo.png", "image/png")
    assert refused.status_code == 415 and refused.json()["code"] == "unsupported_file_type"

    too_many = csv_file([sample_row(1)] * 20_001)
    refused = await upload(client, operator, too_many)
    assert refused.status_code == 413 and refused.json()["code"] == "file_too_large"

    just_too_big = csv_file([sample_row(1)]) + b"," * (10 * 1024 * 1024)
    refused = await upload(client, operator, just_too_big)
    assert refused.status_code == 413 and refused.json()["code"] == "file_too_large"
    # Far too big: refused by the body limit as it streams in, before the file is parsed.
    refused = await upload(client, operator, b"x" * (11 * 1024 * 1024))
    assert refused.status_code == 413 and refused.json()["code"] == "payload_too_large"

    nobody = await client.post("/v1/manage/imports", files={"file": ("a.csv", b"name\n", "text/csv")})
    assert nobody.status_code == 401


async def test_an_import_report_is_for_its_operator_only(
    app: FastAPI, client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    report = (await upload(client, operator, csv_file([sample_row(1)]))).json()
    mine = await client.get(f"/v1/manage/imports/{report['id']}", headers=operator)
    assert mine.status_code == 200 and mine.json()["created"] == 1
    listed = (await client.get("/v1/manage/imports", headers=operator)).json()["items"]
    assert [job["id"] for job in listed] == [report["id"]]
    other = await new_staff(app, session, "operator", ("310104",))
    await session.commit()
    hidden = await client.get(f"/v1/manage/imports/{report['id']}", headers=bearer(app, other.id))
    assert hidden.status_code == 404
