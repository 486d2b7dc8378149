"""Category attributes, tags and languages in an import file, on both databases: a meal site published by its file,
attributes that do not fit refused by row and column, missing ones leaving a draft, empty cells clearing."""

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ListingVersion, Place
from tests.accounts.conftest import bearer, new_staff
from tests.curation.import_files import MEAL_ATTRIBUTES, csv_file, meal_site_row, sample_row, upload

LUNCH = MEAL_ATTRIBUTES["meal_times"]


@pytest.fixture
async def operator(app: FastAPI, session: AsyncSession) -> dict[str, str]:
    account = await new_staff(app, session, "operator", ("310104",))
    await session.commit()
    return bearer(app, account.id)


async def test_a_meal_site_with_its_attributes_is_published_and_found(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    row = meal_site_row(1, name="测试助餐点甲乙（测试数据）", tags="助餐；老年餐", languages="zh;en")
    report = (await upload(client, operator, csv_file([row]), publish=True)).json()
    assert (report["created"], report["rejected"]) == (1, 0), report
    assert [issue for issue in report["issues"] if issue["code"] == "incomplete"] == []
    place = await session.scalar(select(Place).where(Place.source_id == "M-00001"))
    assert place is not None and place.status == "published"
    assert (place.attributes, place.tags, place.languages) == (MEAL_ATTRIBUTES, ["助餐", "老年餐"], ["zh", "en"])
    found = (await client.get("/v1/places", params={"q": "测试助餐点甲乙"})).json()["items"]
    assert [(item["id"], item["name"]) for item in found] == [(place.id, "测试助餐点甲乙（测试数据）")]
    shown = (await client.get(f"/v1/places/{place.id}")).json()
    assert (shown["attributes"], shown["tags"]) == (MEAL_ATTRIBUTES, ["助餐", "老年餐"])


async def test_attributes_that_are_not_json_or_do_not_fit_the_category_reject_their_row(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    cells = [
        '{"price_yuan": 12,',
        "[12]",
        json.dumps({"meal_times": LUNCH, "price_yuan": "便宜"}, ensure_ascii=False),
        json.dumps({"meal_times": LUNCH, "price_yuan": 12, "stars": 5}),
        '{"meal_times": [], "price_yuan": NaN}',
        "{“price_yuan”: 12}",  # curly quotes, as a word processor writes them
        json.dumps(MEAL_ATTRIBUTES),
    ]
    rows = [meal_site_row(number) | {"属性": cell} for number, cell in enumerate(cells, start=1)]
    header = ["source_id", "name", "category", "district", "address", "lat", "lng", "opening_hours", "属性"]
    report = (await upload(client, operator, csv_file(rows, header), publish=True)).json()
    assert (report["created"], report["rejected"]) == (1, 6), report
    errors = {issue["row"]: issue for issue in report["issues"] if issue["severity"] == "error"}
    assert sorted(errors) == [2, 3, 4, 5, 6, 7]
    assert {(issue["column"], issue["field"], issue["code"]) for issue in errors.values()} == {
        ("属性", "attributes", "invalid_attributes")
    }
    assert errors[4]["message"].startswith("attributes.price_yuan:")
    assert errors[5]["message"].startswith("attributes.stars:")
    assert "straight quotes" in errors[7]["message"]
    written = (await session.scalars(select(Place.source_id).where(Place.source_id.like("M-%")))).all()
    assert written == ["M-00007"]


async def test_a_meal_site_lacking_required_attributes_stays_a_draft(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    row = meal_site_row(1, attributes={"meal_times": LUNCH})
    report = (await upload(client, operator, csv_file([row]), publish=True)).json()
    assert (report["created"], report["rejected"]) == (1, 0), report
    incomplete = [issue for issue in report["issues"] if issue["code"] == "incomplete"]
    assert len(incomplete) == 1 and "attributes.price_yuan" in incomplete[0]["message"]
    place = await session.scalar(select(Place).where(Place.source_id == "M-00001"))
    assert place is not None and place.status == "draft" and place.attributes == {"meal_times": LUNCH}
    assert [warning["code"] for warning in place.warnings] == ["incomplete"]


async def test_a_file_without_the_columns_keeps_them_and_empty_cells_clear_them(
    client: httpx.AsyncClient, operator: dict[str, str], session: AsyncSession
) -> None:
    toilet = sample_row(1, attributes='{"open_24h": true}', tags="公厕", languages="zh")
    assert (await upload(client, operator, csv_file([toilet]), publish=True)).json()["created"] == 1
    place = await session.scalar(select(Place).where(Place.source_id == "T-00001"))
    assert place is not None and place.status == "published" and place.version == 2

    without_columns = (await upload(client, operator, csv_file([sample_row(1)]))).json()
    assert (without_columns["unchanged"], without_columns["updated"]) == (1, 0)
    # Attributes kept from before must still fit when the file changes the category.
    locker = (await upload(client, operator, csv_file([sample_row(1, category="convenience.parcel_locker")]))).json()
    assert [(i["column"], i["code"]) for i in locker["issues"]] == [("attributes", "invalid_attributes")]
    assert locker["issues"][0]["message"].startswith("attributes.open_24h:")

    cleared = (await upload(client, operator, csv_file([sample_row(1, attributes="", tags="", languages="")]))).json()
    assert (cleared["updated"], cleared["rejected"]) == (1, 0), cleared
    await session.refresh(place)
    assert (place.attributes, place.tags, place.languages, place.version) == ({}, [], [], 3)
    latest = await session.scalar(
        select(ListingVersion).where(ListingVersion.object_key == str(place.id), ListingVersion.version == 3)
    )
    assert latest is not None and latest.changes == [
        {"field": "languages", "old": ["zh"], "new": []},
        {"field": "tags", "old": ["公厕"], "new": []},
        {"field": "attributes.open_24h", "old": True, "new": None},
    ]
