"""Browsing listings: filters, pages, details with ETags, and only what is published."""

from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.textsearch.tokens import name_sort_key
from models import Place, Street


async def collect(client: httpx.AsyncClient, path: str, **params: object) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def published_count(session: AsyncSession, *conditions: object) -> int:
    statement = (
        select(func.count())
        .select_from(Place)
        .where(Place.status == "published", Place.deleted_at.is_(None), *conditions)
    )
    return (await session.execute(statement)).scalar_one()


async def test_first_page_has_summaries_with_the_contract_fields(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/places")).json()
    assert len(body["items"]) == 20 and body["next_cursor"]
    place = body["items"][0]
    for field in ("id", "name", "category", "district", "street", "address", "location", "open_now", "sample"):
        assert field in place
    assert set(place["location"]) == {"lat", "lng"}


async def test_following_cursors_returns_every_published_place_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    items = await collect(client, "/v1/places")
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == await published_count(session)


async def test_sorting_by_name_pages_in_order(client: httpx.AsyncClient) -> None:
    # By the names' pinyin, compared byte by byte (tests/search/test_what_residents_type.py: 交大… before 乌鲁木齐…).
    items = await collect(client, "/v1/places", sort="name", district="310104")
    names = [(item["name"], item["id"]) for item in items]
    assert names == sorted(names, key=lambda pair: (name_sort_key(pair[0]).encode(), pair[1]))


async def test_parent_category_includes_its_children(client: httpx.AsyncClient, session: AsyncSession) -> None:
    items = await collect(client, "/v1/places", category="elder_care")
    categories = {item["category"] for item in items}
    assert categories == {
        "elder_care.service_center",
        "elder_care.meal_site",
        "elder_care.sport_health_home",
        "elder_care.nursing_home",
    }
    assert len(items) == await published_count(session, Place.category_code.like("elder_care.%"))


async def test_district_and_street_filters(client: httpx.AsyncClient) -> None:
    xuhui = await collect(client, "/v1/places", district="310104")
    assert xuhui and all(item["district"] == "310104" and item["district_name"] == "徐汇区" for item in xuhui)
    street = next(item["street"] for item in xuhui if item["street"])
    on_street = await collect(client, "/v1/places", street=street)
    assert on_street and all(item["street"] == street for item in on_street)


async def test_live_figures_only_where_the_category_has_them(client: httpx.AsyncClient) -> None:
    parking = (await client.get("/v1/places", params={"category": "transport.parking"})).json()["items"]
    assert all("capacity" in item and "available_updated_at" in item for item in parking)
    assert any(item["capacity"] is not None for item in parking if not item["sample"])
    toilets = (await client.get("/v1/places", params={"category": "convenience.toilet"})).json()["items"]
    assert toilets and all("capacity" not in item for item in toilets)


async def test_unknown_filter_values_are_refused_clearly(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/places", params={"category": "spaceport"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "category"]
    assert (await client.get("/v1/places", params={"district": "31010"})).status_code == 422
    assert (await client.get("/v1/places", params={"limit": 0})).status_code == 422
    assert (await client.get("/v1/places", params={"limit": 101})).status_code == 422
    assert (await client.get("/v1/places", params={"sort": "random"})).status_code == 422


async def test_tampered_or_foreign_cursors_are_refused(client: httpx.AsyncClient) -> None:
    bad = await client.get("/v1/places", params={"cursor": "not-a-cursor!!"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"
    events_cursor = (await client.get("/v1/events", params={"limit": 1})).json()["next_cursor"]
    foreign = await client.get("/v1/places", params={"cursor": events_cursor})
    assert foreign.status_code == 400 and foreign.json()["code"] == "invalid_cursor"
    name_cursor = (await client.get("/v1/places", params={"sort": "name", "limit": 1})).json()["next_cursor"]
    assert (await client.get("/v1/places", params={"cursor": name_cursor})).status_code == 400


async def test_detail_has_everything_and_an_etag(client: httpx.AsyncClient) -> None:
    summary = (await client.get("/v1/places", params={"category": "elder_care.nursing_home"})).json()["items"][0]
    response = await client.get(f"/v1/places/{summary['id']}")
    assert response.status_code == 200
    place = response.json()
    # Every nursing home of the seed is a sample: no live figures and no phone number, which would be invented.
    assert place["sample"] and place["attributes"]["beds_total"] and place["capacity"] is None
    assert place["live_capacity_unit"] == "bed"
    assert place["opening_hours"]["weekly"] and place["phones"] == []
    assert place["updated_at"].endswith("+08:00")
    etag = response.headers["etag"]
    again = await client.get(f"/v1/places/{summary['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
    stale = await client.get(f"/v1/places/{summary['id']}", headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


async def test_english_detail_falls_back_to_chinese(client: httpx.AsyncClient, session: AsyncSession) -> None:
    landmark = (await session.scalars(select(Place).where(Place.name_en.is_not(None)).limit(1))).one()
    english = (await client.get(f"/v1/places/{landmark.id}", headers={"Accept-Language": "en"})).json()
    assert english["name"] == landmark.name_en and english["name_zh"] == landmark.name
    sample = (await session.scalars(select(Place).where(Place.name_en.is_(None)).limit(1))).one()
    fallback = (await client.get(f"/v1/places/{sample.id}", headers={"Accept-Language": "en"})).json()
    assert fallback["name"] == sample.name
    zh_etag = (await client.get(f"/v1/places/{landmark.id}")).headers["etag"]
    en_etag = (await client.get(f"/v1/places/{landmark.id}", headers={"Accept-Language": "en"})).headers["etag"]
    assert zh_etag != en_etag


async def test_drafts_archived_and_deleted_places_stay_private(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    template = (await session.scalars(select(Place).where(Place.district_code == "310105").limit(1))).one()
    hidden = []
    for status, deleted_at in (("draft", None), ("archived", None), ("published", datetime.now(UTC))):
        place = Place(
            category_code=template.category_code,
            name=f"长宁区未公开{status}测试点",
            address=template.address,
            district_code="310105",
            lat=template.lat,
            lng=template.lng,
            attributes=template.attributes,
            status=status,
            deleted_at=deleted_at,
        )
        session.add(place)
        hidden.append(place)
    # Committing releases the test's savepoint into the outer (rolled-back) transaction, so the app's own
    # rollback of a failed request cannot take the rows with it.
    await session.commit()
    hidden_ids = [place.id for place in hidden]
    listed = {item["id"] for item in await collect(client, "/v1/places", district="310105")}
    for place_id in hidden_ids:
        assert place_id not in listed
        response = await client.get(f"/v1/places/{place_id}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


async def test_missing_and_malformed_ids(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/places/99999999")).status_code == 404
    for malformed in ("0", "abc", "99999999999999999999"):
        response = await client.get(f"/v1/places/{malformed}")
        assert response.status_code == 422 and response.json()["code"] == "validation_failed"
        assert [error["loc"] for error in response.json()["errors"]] == [["path", "place_id"]]
    both = await client.get("/v1/places/-1", params={"coord": "mars"})
    assert sorted(error["loc"][0] for error in both.json()["errors"]) == ["path", "query"]


async def test_a_listing_in_a_new_street_shows_its_name_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Reference names are kept per process: one the process has not seen yet is read when a listing names it.
    template = (await session.scalars(select(Place).where(Place.district_code == "310105").limit(1))).one()
    assert (await client.get(f"/v1/places/{template.id}")).status_code == 200  # names now cached
    session.add(Street(code="310105999", district_code="310105", name="虹桥临空经济示范区", kind="special"))
    await session.flush()
    place = Place(
        category_code=template.category_code,
        name="临空园区党群服务站",
        address="长宁区临虹路289号",
        district_code="310105",
        street_code="310105999",
        lat=template.lat,
        lng=template.lng,
        attributes=template.attributes,
        status="published",
    )
    session.add(place)
    await session.commit()

    detail = (await client.get(f"/v1/places/{place.id}")).json()
    listed = {item["id"]: item for item in await collect(client, "/v1/places", district="310105")}

    assert detail["street_name"] == "虹桥临空经济示范区"
    assert listed[place.id]["street_name"] == "虹桥临空经济示范区"


async def test_every_bad_search_parameter_is_named_at_once(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/places",
        params={"near": "31.2,abc", "radius_m": "0", "open_now": "perhaps", "coord": "mars", "limit": "ten"},
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "validation_failed"
    named = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert named == {("query", name) for name in ("near", "radius_m", "open_now", "coord", "limit")}
    # Parameters this route does not take are ignored, as before; repeated ones count once (the last).
    fine = await client.get("/v1/places?q=公园&q=养老&utm_source=poster")
    assert fine.status_code == 200
    assert fine.json() == (await client.get("/v1/places", params={"q": "养老"})).json()


async def test_the_place_search_parameters_are_documented(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    detail = paths["/v1/places/{place_id}"]["get"]["parameters"]
    assert [(parameter["name"], parameter["in"], parameter["required"]) for parameter in detail] == [
        ("place_id", "path", True),
        ("coord", "query", False),
    ]
    operation = paths["/v1/places"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}

    assert set(parameters) == {
        "q", "category", "district", "street", "near", "radius_m", "open_now", "accessibility", "available",
        "sort", "coord", "facets", "limit", "cursor",
    }  # fmt: skip
    assert all(parameter["in"] == "query" and not parameter["required"] for parameter in parameters.values())
    assert parameters["radius_m"]["schema"]["maximum"] == 50_000
    assert parameters["limit"]["schema"] == {
        "default": 20,
        "maximum": 100,
        "minimum": 1,
        "title": "Limit",
        "type": "integer",
    }
    assert set(parameters["sort"]["schema"]["anyOf"][0]["enum"]) == {"relevance", "distance", "name", "updated"}
    assert "pinyin" in parameters["q"]["description"]
    assert "422" in operation["responses"]
