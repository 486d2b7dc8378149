"""City events by date window and health-science articles by topic."""

from datetime import date, datetime, timedelta

import httpx

from tests.directory.test_places import collect


def day_of(moment: str) -> date:
    return datetime.fromisoformat(moment).date()


async def test_events_default_to_those_not_yet_over_in_start_order(client: httpx.AsyncClient) -> None:
    events = await collect(client, "/v1/events")
    assert events
    today = date.today()
    assert all(day_of(event["ends_at"]) >= today - timedelta(days=1) for event in events)
    starts = [event["starts_at"] for event in events]
    assert starts == sorted(starts, key=datetime.fromisoformat)
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
