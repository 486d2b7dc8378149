"""Export: the import's columns out, and back in with no changes (CSV and XLSX), on both databases."""

import csv
import io
import json

import httpx
import pytest
from fastapi import FastAPI
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.imports.columns import KEYS
from api.curation.places import writes as place_writes
from api.curation.places.fields import PlaceFields
from api.deps import Principal
from api.geo import from_wgs84, haversine_m
from models import ListingVersion, Place
from tests.accounts.conftest import bearer, new_staff
from tests.curation.import_files import MEAL_ATTRIBUTES, TOILET, XLSX, csv_file, meal_site_row, sample_row, upload

OPERATOR = Principal(user_id=None, role="operator", districts=frozenset({"310104"}))  # type: ignore[arg-type]
FORMULA_NAME = '=HYPERLINK("http://example.invalid","测试")'
LOCKER_ATTRIBUTES = '{"operator": "测试快递柜公司（测试数据）", "compartments": 60}'
# As the export writes them: compact, keys sorted, Chinese as it is.
LOCKER_CELL = '{"compartments":60,"operator":"测试快递柜公司（测试数据）"}'
MEAL_CELL = '{"meal_times":[{"ends":"13:00","meal":"lunch","starts":"11:00"}],"price_yuan":12}'


@pytest.fixture
async def operator(app: FastAPI, session: AsyncSession) -> dict[str, str]:
    account = await new_staff(app, session, "operator", ("310104",))
    await session.commit()
    return bearer(app, account.id)


def _varied_rows() -> list[dict[str, object]]:
    """Every column in use: hours with holidays and a dated day, lists, live figures, English, text that looks
    like a formula or a number, category attributes, tags and languages."""
    return [
        sample_row(1, name=FORMULA_NAME, description="+1 测试说明\n第二行", website="https://example.invalid/a"),
        sample_row(
            2,
            opening_hours="Mo-Fr 08:00-12:00,13:00-17:30; Sa 09:00-12:00; PH off; 2026 Dec 31 off",
            phone="000-0001;000-0002",
            accessibility="wheelchair;accessible_toilet",
            name_en="Test Toilet 2 (test data)",
            address_en="2 Test Road (test address)",
        ),
        sample_row(3, category="transport.parking", capacity=40, available=12, name="-12"),
        sample_row(4, lat=None, lng=None, opening_hours=None, source_id=None),
        meal_site_row(5, tags="助餐;老年餐", languages="zh;en"),
        sample_row(6, category="convenience.parcel_locker", attributes=LOCKER_ATTRIBUTES, tags="快递"),
    ]


async def _import_varied(client: httpx.AsyncClient, operator: dict[str, str]) -> None:
    rows = _varied_rows()
    header = list(dict.fromkeys(key for row in rows for key in row))
    answer = await upload(client, operator, csv_file(rows, header), publish=True)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["created"], report["rejected"]) == (6, 0), report


async def _round_trip(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession, file_format: str
) -> dict:
    exported = await client.get(
        "/v1/manage/places/export", params={"format": file_format, "district": "310104"}, headers=operator
    )
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-disposition"].startswith("attachment; filename=")
    versions_before = await session.scalar(select(func.count()).select_from(ListingVersion))
    filename, media_type = ("places.xlsx", XLSX) if file_format == "xlsx" else ("places.csv", "text/csv")
    answer = await upload(client, operator, exported.content, filename, media_type)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert await session.scalar(select(func.count()).select_from(ListingVersion)) == versions_before
    return report


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_an_export_imports_back_with_no_changes(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession, file_format: str
) -> None:
    await _import_varied(client, operator)
    in_district = await session.scalar(
        select(func.count()).select_from(Place).where(Place.district_code == "310104", Place.deleted_at.is_(None))
    )
    report = await _round_trip(client, operator, session, file_format)
    errors = [issue for issue in report["issues"] if issue["severity"] == "error"]
    assert errors == []
    # The seeded listings of the district too, with their own attributes, tags and languages.
    assert (report["created"], report["updated"], report["rejected"]) == (0, 0, 0)
    assert report["unchanged"] == report["rows_total"] == in_district


async def test_formulas_are_escaped_in_the_file_and_come_back_as_written(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    await _import_varied(client, operator)
    exported = await client.get("/v1/manage/places/export", params={"q": "T-0000"}, headers=operator)
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert list(table[0]) == list(KEYS)
    by_key = {row["source_id"]: row for row in table}
    assert by_key["T-00001"]["name"] == "'" + FORMULA_NAME
    assert by_key["T-00001"]["description"].startswith("'+1")
    assert by_key["T-00003"]["name"] == "-12"  # a plain number runs nothing: left as it is
    assert by_key["T-00002"]["phone"] == "000-0001;000-0002" and by_key["T-00002"]["coord"] == "wgs84"

    workbook = load_workbook(
        io.BytesIO(
            (
                await client.get(
                    "/v1/manage/places/export", params={"format": "xlsx", "q": "T-00001"}, headers=operator
                )
            ).content
        )
    )
    cells = list(workbook.active.iter_rows(values_only=True))
    assert cells[1][list(KEYS).index("name")] == "'" + FORMULA_NAME

    place = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    assert place is not None and place.name == FORMULA_NAME


async def test_coordinates_given_in_gcj02_are_stored_in_wgs84_and_come_back_within_a_metre(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    gcj_lat, gcj_lng = 31.190412, 121.437658
    row = sample_row(1, lat=gcj_lat, lng=gcj_lng) | {"coord": "gcj02"}
    report = (await upload(client, operator, csv_file([row]))).json()
    assert report["created"] == 1
    place = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    assert place is not None and place.lat is not None and place.lng is not None
    assert haversine_m(place.lat, place.lng, gcj_lat, gcj_lng) > 100  # GCJ-02 is offset by hundreds of metres
    back_lat, back_lng = from_wgs84(place.lat, place.lng, "gcj02")
    assert haversine_m(back_lat, back_lng, gcj_lat, gcj_lng) < 1.0
    report = await _round_trip(client, operator, session, "csv")
    assert (report["created"], report["updated"]) == (0, 0)


async def test_the_export_honours_the_filters_and_the_grants(
    client: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    await _import_varied(client, operator)
    drafts = await client.get("/v1/manage/places/export", params={"status": "draft", "q": "T-0"}, headers=operator)
    names = [row["name"] for row in csv.DictReader(io.StringIO(drafts.content.decode("utf-8-sig")))]
    # The car park lacks the attributes its category requires; the row without a source_id is not matched by q.
    assert names == ["-12"]
    toilets = await client.get(
        "/v1/manage/places/export", params={"category": TOILET, "q": "测试公厕"}, headers=operator
    )
    rows = list(csv.DictReader(io.StringIO(toilets.content.decode("utf-8-sig"))))
    assert {row["source_id"] for row in rows} == {"T-00002", ""}
    refused = await client.get("/v1/manage/places/export", params={"district": "310110"}, headers=operator)
    assert refused.status_code == 403
    unknown_format = await client.get("/v1/manage/places/export", params={"format": "pdf"}, headers=operator)
    assert unknown_format.status_code == 422


async def test_hours_stored_in_another_order_export_and_import_back_unchanged(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    weekend_first = {
        "weekly": [
            {"days": [6, 7], "opens": "09:00", "closes": "12:00"},
            {"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "17:00"},
        ],
        "exceptions": [],
        "on_holidays": "as_usual",
    }
    fields = PlaceFields.model_validate(
        {
            "name": "测试公厕（手工录入，测试数据）",
            "category": TOILET,
            "district": "310104",
            "address": "徐汇区测试路8号（测试地址）",
            "location": {"lat": 31.17, "lng": 121.41},
            "opening_hours": weekend_first,
            "source_id": "MANUAL-1",
        }
    )
    place = await place_writes.create_place(session, OPERATOR, fields)
    await session.commit()
    report = await _round_trip(client, operator, session, "csv")
    assert (report["created"], report["updated"]) == (0, 0)
    await session.refresh(place)
    assert place.opening_hours == weekend_first and place.version == 1


async def _exported(
    client: httpx.AsyncClient, operator: dict[str, str], file_format: str, q: str
) -> dict[str, dict[str, str]]:
    """The exported rows by source_id, each cell as text ("" for an empty one)."""
    exported = await client.get("/v1/manage/places/export", params={"format": file_format, "q": q}, headers=operator)
    if file_format == "csv":
        table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    else:
        header, *rows = load_workbook(io.BytesIO(exported.content)).active.iter_rows(values_only=True)
        table = [{key: value or "" for key, value in zip(header, row, strict=True)} for row in rows]
    return {row["source_id"]: row for row in table}


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
async def test_attributes_tags_and_languages_are_a_cell_each(
    client: httpx.AsyncClient, operator: dict[str, str], file_format: str
) -> None:
    await _import_varied(client, operator)
    toilets_and_locker = await _exported(client, operator, file_format, "T-0000")
    locker, toilet = toilets_and_locker["T-00006"], toilets_and_locker["T-00001"]
    assert (locker["attributes"], locker["tags"]) == (LOCKER_CELL, "快递")
    assert toilet["attributes"] == toilet["tags"] == toilet["languages"] == ""
    meal_site = (await _exported(client, operator, file_format, "M-00005"))["M-00005"]
    assert (meal_site["attributes"], meal_site["tags"], meal_site["languages"]) == (MEAL_CELL, "助餐;老年餐", "zh;en")
    assert json.loads(meal_site["attributes"]) == MEAL_ATTRIBUTES
