"""Discovery as a resident on the street uses it: near me, in my map app's coordinates, open now, accessible,
with free places, with counts per category, page after page while the directory changes."""

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.directory.places import chooser
from api.geo import from_wgs84, haversine_m
from api.listings.hours import is_open_at
from api.main import GZIP_MIN_BYTES
from models import Place
from tests.directory.test_places import collect

PEOPLES_SQUARE = (31.2304, 121.4737)


async def test_near_sorted_by_distance_within_the_radius(client: httpx.AsyncClient) -> None:
    near = f"{PEOPLES_SQUARE[0]},{PEOPLES_SQUARE[1]}"
    items = await collect(client, "/v1/places", near=near, radius_m=2500, sort="distance")
    assert items
    distances = [item["distance_m"] for item in items]
    assert distances == sorted(distances) and distances[-1] <= 2500 * 1.005
    for item in items:
        exact = haversine_m(*PEOPLES_SQUARE, item["location"]["lat"], item["location"]["lng"])
        assert abs(exact - item["distance_m"]) < 1
    plain = (await client.get("/v1/places")).json()["items"]
    assert all("distance_m" not in item for item in plain)


async def test_radius_excludes_what_is_farther(client: httpx.AsyncClient, session: AsyncSession) -> None:
    near = f"{PEOPLES_SQUARE[0]},{PEOPLES_SQUARE[1]}"
    found = {item["id"] for item in await collect(client, "/v1/places", near=near, radius_m=1000)}
    places = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    inside = {p.id for p in places if haversine_m(*PEOPLES_SQUARE, p.lat, p.lng) <= 995}
    outside = {p.id for p in places if haversine_m(*PEOPLES_SQUARE, p.lat, p.lng) > 1005}
    assert inside and inside <= found and not (found & outside)


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
async def test_map_app_coordinates_in_and_out(client: httpx.AsyncClient, session: AsyncSession, system: str) -> None:
    place = (await session.scalars(select(Place).where(Place.name == "人民公园"))).one()
    shifted_lat, shifted_lng = from_wgs84(place.lat, place.lng, system)
    body = (
        await client.get(
            "/v1/places", params={"near": f"{shifted_lat},{shifted_lng}", "radius_m": 300, "coord": system}
        )
    ).json()
    first = body["items"][0]
    assert first["id"] == place.id and first["distance_m"] < 1
    assert first["location"]["lat"] == pytest.approx(shifted_lat, abs=2e-6)
    assert first["location"]["lng"] == pytest.approx(shifted_lng, abs=2e-6)
    detail = (await client.get(f"/v1/places/{place.id}", params={"coord": system})).json()
    assert detail["location"] == first["location"]


async def test_open_now_agrees_with_the_hours(client: httpx.AsyncClient, session: AsyncSession) -> None:
    before = datetime.now(UTC)
    listed = {item["id"] for item in await collect(client, "/v1/places", open_now="true")}
    after = datetime.now(UTC)
    places = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    expected = [{p.id for p in places if is_open_at(p.opening_hours, moment)} for moment in (before, after)]
    assert listed in expected
    everything = await collect(client, "/v1/places", district="310101")
    assert all(isinstance(item["open_now"], bool) for item in everything if item["category"] != "park.country")


async def test_accessibility_and_live_availability_filters(client: httpx.AsyncClient, session: AsyncSession) -> None:
    wanted = await collect(client, "/v1/places", accessibility="wheelchair,elevator")
    assert wanted
    for item in wanted[:30]:
        detail = (await client.get(f"/v1/places/{item['id']}")).json()
        assert {"wheelchair", "elevator"} <= set(detail["accessibility"])
    places = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    accessible = sum({"wheelchair", "elevator"} <= set(p.accessibility) for p in places)
    for car_park in (p for p in places if p.category_code == "transport.parking" and not p.is_sample):
        car_park.available = min(car_park.capacity or 0, 12)  # as an operator reports them
    await session.flush()
    with_free_spaces = sum((p.available or 0) > 0 for p in places if p.category_code.startswith("transport."))
    assert len(wanted) == accessible

    free = await collect(client, "/v1/places", available="true", category="transport")
    assert free and all(item["available"] > 0 for item in free)
    assert len(free) == with_free_spaces

    bad = await client.get("/v1/places", params={"accessibility": "wheelchair,jetpack"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "accessibility"]


async def test_facets_count_the_current_query(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1/places", params={"q": "公园", "facets": "category,district", "limit": 5})).json()
    total = len(await collect(client, "/v1/places", q="公园"))
    facets = body["facets"]
    assert sum(f["count"] for f in facets["category"]) == total == sum(f["count"] for f in facets["district"])
    top = facets["category"][0]
    assert len(await collect(client, "/v1/places", q="公园", category=top["value"])) == top["count"]
    assert (await client.get("/v1/places", params={"facets": "colour"})).status_code == 422


async def test_pages_never_repeat_or_skip_while_listings_change(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first = (await client.get("/v1/places", params={"sort": "name", "limit": 50})).json()
    template = (await session.scalars(select(Place).where(Place.status == "published").limit(1))).one()
    # Between the pages: a new listing sorts onto the first page (a, by pinyin), another onto a later one (zuo);
    # one is unpublished.
    for name in ("阿一新开长者食堂", "座座新开口袋公园"):
        session.add(
            Place(
                category_code=template.category_code,
                name=name,
                address=template.address,
                district_code=template.district_code,
                lat=template.lat,
                lng=template.lng,
                attributes=template.attributes,
                status="published",
            )
        )
    seen_first = {item["id"] for item in first["items"]}
    later = (
        await session.scalars(select(Place).where(Place.status == "published", Place.id.not_in(seen_first)).limit(1))
    ).one()
    later.status = "archived"
    await session.commit()
    rest = await collect(client, "/v1/places", sort="name", cursor=first["next_cursor"])
    ids = [item["id"] for item in first["items"]] + [item["id"] for item in rest]
    assert len(ids) == len(set(ids))
    untouched = set((await session.scalars(select(Place.id).where(Place.status == "published"))).all())
    newcomers = set((await session.scalars(select(Place.id).where(Place.name.like("%新开%")))).all())
    assert untouched - newcomers <= set(ids)
    assert later.id not in ids


async def test_search_across_kinds(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/v1/search", params={"q": "居住证"})).json()["items"]
    assert bundle[0]["kind"] == "bundle" and bundle[0]["code"] == "residence_permit"
    marathon = (await client.get("/v1/search", params={"q": "马拉松"})).json()["items"]
    assert marathon and all(item["kind"] == "event" for item in marathon)
    articles = (await client.get("/v1/search", params={"q": "血压", "kinds": "article"})).json()["items"]
    assert articles and all(item["kind"] == "article" for item in articles)
    everything = await collect(client, "/v1/search", q="公园")
    keys = [(item["kind"], item.get("id") or item.get("code")) for item in everything]
    assert len(keys) == len(set(keys)) and {"place", "event"} <= {kind for kind, _ in keys}
    assert (await client.get("/v1/search")).status_code == 422
    assert (await client.get("/v1/search", params={"q": "公园", "kinds": "spaceship"})).status_code == 422


async def test_nearby_lists_other_places_nearest_first(client: httpx.AsyncClient, session: AsyncSession) -> None:
    park = (await session.scalars(select(Place).where(Place.name == "人民公园"))).one()
    items = (await client.get(f"/v1/places/{park.id}/nearby", params={"radius_m": 1500, "limit": 50})).json()["items"]
    assert items and park.id not in {item["id"] for item in items}
    distances = [item["distance_m"] for item in items]
    assert distances == sorted(distances) and distances[-1] <= 1500 * 1.005
    toilets = await collect(client, f"/v1/places/{park.id}/nearby", category="convenience.toilet", radius_m=5000)
    published = (await session.scalars(select(Place).where(Place.status == "published"))).all()
    around = {
        p.id
        for p in published
        if p.category_code == "convenience.toilet" and haversine_m(park.lat, park.lng, p.lat, p.lng) <= 4990
    }
    # Every toilet within the radius, and nothing else: not an empty list, not every category.
    assert around and around <= {item["id"] for item in toilets}
    assert all(item["category"] == "convenience.toilet" and item["distance_m"] <= 5000 * 1.005 for item in toilets)
    assert (await client.get("/v1/places/99999999/nearby")).status_code == 404


async def test_list_answers_carry_etags_and_large_ones_are_gzipped(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/places", params={"limit": 100}, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    # A place detail of a kilobyte fits in one packet: sent as it is, as compressing it would only cost both ends
    # CPU.
    sizes = {}
    for item in response.json()["items"]:
        plain = await client.get(f"/v1/places/{item['id']}", headers={"Accept-Encoding": "identity"})
        sizes[item["id"]] = len(plain.content)
    place_id = next(place_id for place_id, size in sizes.items() if 1024 < size <= GZIP_MIN_BYTES)
    detail = await client.get(f"/v1/places/{place_id}", headers={"Accept-Encoding": "gzip"})
    assert detail.status_code == 200 and "content-encoding" not in detail.headers
    again = await client.get("/v1/places", params={"limit": 100}, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


async def test_open_now_filter_follows_the_holiday_calendar(session: AsyncSession) -> None:
    from api.directory.places.open_now import open_schedules
    from api.directory.places.plan import general_plan
    from api.directory.places.query import PlaceQuery
    from api.listings.hours import SHANGHAI

    clinic_hours = {
        "weekly": [{"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:30"}],
        "on_holidays": "closed",
    }
    clinics = select(Place).where(Place.category_code == "health.community_center").limit(1)
    template = (await session.scalars(clinics)).one()
    clinic = Place(
        category_code=template.category_code,
        name="节假日测试门诊",
        address=template.address,
        district_code=template.district_code,
        lat=template.lat,
        lng=template.lng,
        attributes=template.attributes,
        opening_hours=clinic_hours,
        status="published",
    )
    session.add(clinic)
    await session.flush()
    schedules = open_schedules(session)
    await schedules.refresh(session)
    national_day = datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI)
    make_up_saturday = datetime(2026, 10, 10, 10, 0, tzinfo=SHANGHAI)
    assert clinic.schedule_id not in schedules.open_ids(national_day)
    assert clinic.schedule_id in schedules.open_ids(make_up_saturday)
    # The SQL filter is built from that set: on the make-up Saturday the clinic is among the open places.
    plan = general_plan(
        PlaceQuery(open_now=True), session.get_bind().dialect.name, None, schedules.open_ids(make_up_saturday)
    )
    open_ids = set((await session.scalars(select(Place.id).where(*plan.conditions))).all())
    assert clinic.id in open_ids


@pytest.mark.parametrize("limit", [1, 3, 20])
async def test_the_first_page_by_distance_is_the_nearest_of_the_whole_radius(
    client: httpx.AsyncClient, session: AsyncSession, limit: int
) -> None:
    # The first page may come from a smaller circle (when it already holds more than a page): it must be the same
    # page, in the same order, as ranking every listing in the radius, and its cursor must carry on from there.
    places = (await session.scalars(select(Place).where(Place.status == "published", Place.deleted_at.is_(None)))).all()
    ranked = sorted(
        (haversine_m(*PEOPLES_SQUARE, p.lat, p.lng), p.id)
        for p in places
        if haversine_m(*PEOPLES_SQUARE, p.lat, p.lng) < 4990
    )
    near = f"{PEOPLES_SQUARE[0]},{PEOPLES_SQUARE[1]}"
    first = (
        await client.get("/v1/places", params={"near": near, "radius_m": 5000, "sort": "distance", "limit": limit})
    ).json()
    assert [item["id"] for item in first["items"]] == [place_id for _, place_id in ranked[:limit]]
    second = (
        await client.get(
            "/v1/places",
            params={"near": near, "radius_m": 5000, "sort": "distance", "limit": limit, "cursor": first["next_cursor"]},
        )
    ).json()
    assert [item["id"] for item in second["items"]] == [place_id for _, place_id in ranked[limit : 2 * limit]]


@pytest.mark.parametrize(
    "filters",
    [{}, {"category": "elder_care"}, {"category": "convenience.toilet"}, {"district": "310101"}, {"limit": 2}],
)
async def test_prepared_nearest_pages_answer_as_the_general_search_does(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, filters: dict[str, object]
) -> None:
    # The map's first page is a prepared read (api.directory.places.strategies.nearest); the general search must
    # give the same page, the same distances and a cursor that carries on the same way.
    params = {"near": f"{PEOPLES_SQUARE[0]},{PEOPLES_SQUARE[1]}", "radius_m": 4000, "sort": "distance", **filters}
    prepared = (await client.get("/v1/places", params=params)).json()
    monkeypatch.setattr(chooser, "STRATEGIES", (chooser.GENERAL,))
    general = (await client.get("/v1/places", params=params)).json()

    assert prepared["items"] and prepared == general
    category = filters.get("category")
    assert all(
        item["category"] == category or item["category"].startswith(f"{category}.")
        for item in prepared["items"]
        if category
    )
    assert all(item["district"] == filters.get("district", item["district"]) for item in prepared["items"])
    if filters.get("limit") == 2:
        following = (await client.get("/v1/places", params={**params, "cursor": prepared["next_cursor"]})).json()
        assert following["items"] and not {i["id"] for i in following["items"]} & {i["id"] for i in prepared["items"]}


@pytest.mark.parametrize("q", ["厕所", "公园", "yanglao", "toilet"])
@pytest.mark.parametrize("radius_m", [1500, 3000, 20000])
async def test_words_near_a_point_are_the_citywide_matches_within_the_radius(
    client: httpx.AsyncClient, q: str, radius_m: int
) -> None:
    citywide = await collect(client, "/v1/places", q=q)
    near = f"{PEOPLES_SQUARE[0]},{PEOPLES_SQUARE[1]}"
    found = {item["id"] for item in await collect(client, "/v1/places", q=q, near=near, radius_m=radius_m)}
    distance = {
        item["id"]: haversine_m(*PEOPLES_SQUARE, item["location"]["lat"], item["location"]["lng"]) for item in citywide
    }
    inside = {place_id for place_id, metres in distance.items() if metres <= radius_m - 5}
    outside = {place_id for place_id, metres in distance.items() if metres > radius_m + 5}
    assert inside and inside <= found and not (found & outside)
