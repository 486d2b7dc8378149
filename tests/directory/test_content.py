"""City events by date window and health-science articles by topic."""

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.geo import from_wgs84, haversine_m
from models import Event
from tests.directory.test_places import collect

EVERY_DAY = {"from": "1900-01-01", "to": "2999-12-31"}


async def searched(client: httpx.AsyncClient, q: str, kind: str) -> set[int]:
    """The ids /v1/search finds for `q` among one kind."""
    items = await collect(client, "/v1/search", q=q, kinds=kind)
    return {item["id"] for item in items}


def day_of(moment: str) -> date:
    return datetime.fromisoformat(moment).date()


async def test_events_default_to_those_not_yet_over_in_start_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Events of this test's own, around this very moment: the seed's dates pass, and the answer must not depend
    # on the day the suite runs.
    await session.execute(update(Event).values(status="archived"))
    now = datetime.now(UTC)
    windows = {
        "over an hour ago": (now - timedelta(days=1), now - timedelta(hours=1)),
        "on until tonight": (now - timedelta(days=1), now + timedelta(hours=6)),
        "next week": (now + timedelta(days=7), now + timedelta(days=7, hours=2)),
        "tomorrow": (now + timedelta(days=1), now + timedelta(days=1, hours=2)),
    }
    for title, (starts_at, ends_at) in windows.items():
        session.add(
            Event(category_code="event.sports", title=title, starts_at=starts_at, ends_at=ends_at, status="published")
        )
    await session.commit()

    events = await collect(client, "/v1/events")
    assert [event["title"] for event in events] == ["on until tonight", "tomorrow", "next week"]
    assert all(datetime.fromisoformat(event["ends_at"]) >= now for event in events)
    assert all(event["starts_at"].endswith("+08:00") for event in events)


async def test_events_overlapping_a_date_window(client: httpx.AsyncClient) -> None:
    window = {"from": "2027-05-01", "to": "2027-05-31"}
    events = await collect(client, "/v1/events", **window)
    assert any("五五购物节" in event["title"] for event in events)
    for event in events:
        assert day_of(event["starts_at"]) <= date(2027, 5, 31) and day_of(event["ends_at"]) >= date(2027, 5, 1)
    everything = await collect(client, "/v1/events", **{"from": "2026-01-01", "to": "2028-12-31"})
    assert len(everything) >= 20


async def test_event_window_backwards_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/events", params={"from": "2027-06-01", "to": "2027-05-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "to"]
    assert (await client.get("/v1/events", params={"from": "tomorrow"})).status_code == 422


async def test_event_category_filter_and_detail(client: httpx.AsyncClient) -> None:
    sports = await collect(client, "/v1/events", category="event.sports", **{"from": "2026-01-01"})
    assert sports and all(event["category"] == "event.sports" for event in sports)
    detail = (await client.get(f"/v1/events/{sports[0]['id']}")).json()
    assert detail["body"] and detail["organizer"] and "registration" in detail
    assert (await client.get("/v1/events/99999999")).status_code == 404


async def test_articles_newest_first_and_filtered_by_topic(client: httpx.AsyncClient) -> None:
    articles = await collect(client, "/v1/articles")
    assert len(articles) >= 30
    published = [datetime.fromisoformat(article["published_at"]) for article in articles]
    assert published == sorted(published, reverse=True)
    topic = articles[0]["topic"]
    same_topic = await collect(client, "/v1/articles", topic=topic)
    assert same_topic and all(article["topic"] == topic for article in same_topic)
    assert len(same_topic) < len(articles)


async def test_article_detail_carries_the_body_and_expert(client: httpx.AsyncClient) -> None:
    first = (await client.get("/v1/articles", params={"limit": 1})).json()["items"][0]
    response = await client.get(f"/v1/articles/{first['id']}")
    article = response.json()
    assert len(article["body"]) > 200 and article["expert"]["name"] and article["sample"] is True
    cached = await client.get(f"/v1/articles/{first['id']}", headers={"If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304


async def test_unpublished_events_and_articles_stay_private(client: httpx.AsyncClient, session) -> None:  # noqa: ANN001
    from sqlalchemy import select, update

    from models import Article, Event

    event_id = (await session.scalars(select(Event.id).limit(1))).one()
    article_id = (await session.scalars(select(Article.id).limit(1))).one()
    await session.execute(update(Event).where(Event.id == event_id).values(status="draft"))
    await session.execute(update(Article).where(Article.id == article_id).values(status="archived"))
    await session.commit()
    assert (await client.get(f"/v1/events/{event_id}")).status_code == 404
    assert (await client.get(f"/v1/articles/{article_id}")).status_code == 404
    everything = await collect(client, "/v1/events", **{"from": "2020-01-01"})
    assert event_id not in {event["id"] for event in everything}
    assert article_id not in {article["id"] for article in await collect(client, "/v1/articles")}


@pytest.mark.parametrize("q", ["五五购物节", "高血压", "马拉松", "wuwu", "量子引力"])
async def test_events_are_found_by_their_words_as_the_search_finds_them(client: httpx.AsyncClient, q: str) -> None:
    found = await collect(client, "/v1/events", q=q, **EVERY_DAY)
    assert {event["id"] for event in found} == await searched(client, q, "event")
    starts = [datetime.fromisoformat(event["starts_at"]) for event in found]
    assert starts == sorted(starts)
    if q == "量子引力":
        assert found == []
    if q == "五五购物节":
        assert found and all("五五购物节" in event["title"] for event in found)


async def test_events_found_by_words_page_one_at_a_time_without_repeats(client: httpx.AsyncClient) -> None:
    expected = [event["id"] for event in await collect(client, "/v1/events", q="上海", **EVERY_DAY)]
    assert len(expected) > 3
    seen, cursor = [], None
    while True:
        params = {"q": "上海", "limit": 1, **EVERY_DAY, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/events", params=params)).json()
        seen += [event["id"] for event in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


async def test_events_near_a_point_carry_their_distance(client: httpx.AsyncClient) -> None:
    everything = await collect(client, "/v1/events", **EVERY_DAY)
    located = [event for event in everything if event["location"]]
    venue = next(event for event in located if event["district"] == "310101")
    point = (venue["location"]["lat"], venue["location"]["lng"])
    radius = 2000
    near = await collect(client, "/v1/events", near=f"{point[0]},{point[1]}", radius_m=radius, **EVERY_DAY)
    distances = {event["id"]: haversine_m(*point, *event["location"].values()) for event in located}
    clearly_in = {event_id for event_id, metres in distances.items() if metres < radius - 5}
    clearly_out = {event_id for event_id, metres in distances.items() if metres > radius + 5}
    ids = {event["id"] for event in near}
    assert venue["id"] in ids and clearly_in <= ids and not ids & clearly_out
    assert all(event["distance_m"] == pytest.approx(distances[event["id"]], abs=0.1) for event in near)
    assert "distance_m" not in everything[0]


async def test_events_near_a_point_in_gcj02_answer_in_gcj02_as_their_details_do(client: httpx.AsyncClient) -> None:
    everything = await collect(client, "/v1/events", **EVERY_DAY)
    venue = next(event for event in everything if event["location"])
    lat, lng = from_wgs84(venue["location"]["lat"], venue["location"]["lng"], "gcj02")
    near = await collect(client, "/v1/events", near=f"{lat},{lng}", radius_m=300, coord="gcj02", **EVERY_DAY)
    same = next(event for event in near if event["id"] == venue["id"])
    assert same["distance_m"] < 1
    assert same["location"] == {"lat": pytest.approx(lat, abs=1e-6), "lng": pytest.approx(lng, abs=1e-6)}
    detail = (await client.get(f"/v1/events/{venue['id']}", params={"coord": "gcj02"})).json()
    assert detail["location"] == same["location"]


@pytest.mark.parametrize("q", ["高血压", "疫苗", "yimiao", "量子引力"])
async def test_articles_are_found_by_their_words_newest_first(client: httpx.AsyncClient, q: str) -> None:
    found = await collect(client, "/v1/articles", q=q)
    assert {article["id"] for article in found} == await searched(client, q, "article")
    published = [datetime.fromisoformat(article["published_at"]) for article in found]
    assert published == sorted(published, reverse=True)
    assert (found == []) == (q == "量子引力")
