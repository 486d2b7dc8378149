"""Districts, streets and categories as the mobile client reads them."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory import service as directory


async def test_sixteen_real_districts_with_centres_in_shanghai(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/districts")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    districts = {d["code"]: d for d in body["items"]}
    assert len(districts) == 16
    assert districts["310104"]["name"] == "徐汇区"
    assert districts["310115"]["name_en"] == "Pudong New Area"
    for district in districts.values():
        assert 30.6 < district["center"]["lat"] < 31.9 and 120.8 < district["center"]["lng"] < 122.2


async def test_other_domains_read_the_districts_and_the_live_figure_categories_whole(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    listed = (await client.get("/v1/districts", params={"limit": 100})).json()["items"]
    districts = await directory.districts(session, "en")
    assert [(d.code, d.name) for d in districts] == [(d["code"], d["name_en"]) for d in listed]
    live = await directory.live_figure_categories(session, "zh")
    assert [c.code for c in live] == ["elder_care.nursing_home", "transport.parking", "transport.ev_charging"]
    assert {c.code: c.name for c in live}["transport.parking"] == "公共停车场"
    assert all(c.live_capacity_unit and not c.children for c in live)


async def test_district_centres_are_converted_from_gcj02_to_wgs84(client: httpx.AsyncClient) -> None:
    huangpu = next(d for d in (await client.get("/v1/districts")).json()["items"] if d["code"] == "310101")
    # The source gives GCJ-02 (31.231739, 121.484428); GPS coordinates lie ~0.002° north and ~0.0045° west.
    assert 0.0015 < huangpu["center"]["lat"] - 31.231739 < 0.0025
    assert 0.004 < 121.484428 - huangpu["center"]["lng"] < 0.005


async def test_english_names_on_request(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/districts", headers={"Accept-Language": "en-US,en;q=0.9"})).json()
    names = {d["code"]: d["name"] for d in body["items"]}
    assert names["310104"] == "Xuhui"
    chinese = (await client.get("/v1/districts", headers={"Accept-Language": "fr, zh-CN;q=0.5"})).json()
    assert {d["code"]: d["name"] for d in chinese["items"]}["310104"] == "徐汇区"


async def test_streets_of_a_district_page_through_every_unit(client: httpx.AsyncClient) -> None:
    seen, cursor = [], None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        body = (await client.get("/v1/districts/310115/streets", params=params)).json()
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    codes = [street["code"] for street in seen]
    assert len(codes) == len(set(codes)) == 42  # 浦东新区 has 42 street-level units in the source
    assert all(code.startswith("310115") and len(code) == 9 for code in codes)
    special = [street for street in seen if street["is_special"]]
    assert special and all(street["kind"] == "special" for street in special)
    assert any(street["name"] == "陆家嘴街道" and street["kind"] == "street" for street in seen)


async def test_streets_of_an_unknown_district_are_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/districts/310199/streets")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_malformed_district_code_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/districts/xuhui/streets")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "validation_failed"


async def test_category_tree_nests_children_under_parents(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/categories", params={"kind": "place"})).json()
    roots = {node["code"]: node for node in body["items"]}
    assert {"elder_care", "park", "transport", "convenience", "health"} <= set(roots)
    elder_children = {child["code"] for child in roots["elder_care"]["children"]}
    assert "elder_care.meal_site" in elder_children and "elder_care.nursing_home" in elder_children
    nursing = next(c for c in roots["elder_care"]["children"] if c["code"] == "elder_care.nursing_home")
    assert nursing["live_capacity_unit"] == "bed"
    english = (await client.get("/v1/categories", headers={"Accept-Language": "en"})).json()
    assert any(node["name"] == "Elderly care" for node in english["items"])
