"""Requests a phone with a bug, or someone probing the API, may send to the public directory: each gets a quick
4xx problem with a stable code — never a 500, and never a worker busy for seconds."""

import json
import tracemalloc
from typing import Any

import httpx
import pytest

from api.errors import problem_response
from api.pagination import encode_cursor

TOO_BIG = 2**64 - 1
BEYOND_INT32 = 2**31  # ids are PostgreSQL `integer` columns
PEOPLES_SQUARE = "31.2304,121.4737"
# The most memory (Python allocations) one search of the city's listings may hold at once.
ORDINARY_SEARCH_BYTES = 1024 * 1024
SEARCH_ALL = "search:place,event,article,bundle"

# (path, query, the cursor's list and key): each key is one a page of that list could never have written.
EDITED_CURSORS: list[tuple[str, dict[str, str], str, list[Any]]] = [
    ("/v1/places", {}, "places:id:1", [TOO_BIG]),
    ("/v1/places", {}, "places:id:1", [1e300]),
    ("/v1/places", {}, "places:id:1", [BEYOND_INT32]),
    ("/v1/places", {}, "places:id:1", [-BEYOND_INT32 - 1]),
    ("/v1/places", {}, "places:id:1", ["12"]),
    ("/v1/places", {"q": "公园"}, "places:relevance:2", [1, 2**63]),
    ("/v1/places", {"sort": "name"}, "places:name:2", [5, 1]),
    ("/v1/places", {"sort": "name"}, "places:name:2", ["人民\x00公园", 1]),
    ("/v1/places", {"sort": "updated"}, "places:updated:2", ["2026-01-01T00:00:00", 1]),
    ("/v1/places", {"sort": "updated"}, "places:updated:2", ["0001-01-01T00:00:00+08:00", 1]),
    ("/v1/places", {"near": PEOPLES_SQUARE, "sort": "distance"}, "places:distance:2", ["near", 1]),
    ("/v1/places", {"near": PEOPLES_SQUARE, "q": "公园"}, "places:relevance:3", [1, 10.0, TOO_BIG]),
    ("/v1/events", {}, "events", ["2026-01-01T00:00:00+00:00", TOO_BIG]),
    ("/v1/events", {}, "events", ["2026-01-01T00:00:00", 1]),
    ("/v1/events", {}, "events", ["2026-01-01T00:00:00+00:00", BEYOND_INT32]),
    ("/v1/articles", {}, "articles", ["2026-01-01T00:00:00", 1]),
    ("/v1/articles", {}, "articles", ["9999-12-31T23:00:00-08:00", 1]),
    # /v1/search keeps (name hit, id, code) per kind: place, event, article, bundle.
    ("/v1/search", {"q": "公园"}, SEARCH_ALL, [1, TOO_BIG, "", *[2, 0, ""] * 3]),
    ("/v1/search", {"q": "公园"}, SEARCH_ALL, [2, 0, "", 1, BEYOND_INT32, "", *[2, 0, ""] * 2]),
    ("/v1/districts", {}, "districts", [1]),
    ("/v1/bundles", {}, "bundles", [1]),
    ("/v1/categories", {}, "categories:None", [1]),
    ("/v1/districts/310101/streets", {}, "streets:310101", [1]),
]


@pytest.mark.parametrize(("path", "query", "kind", "key"), EDITED_CURSORS)
async def test_an_edited_cursor_is_refused_as_one(
    client: httpx.AsyncClient, path: str, query: dict[str, str], kind: str, key: list[Any]
) -> None:
    response = await client.get(path, params={**query, "cursor": encode_cursor(kind, key)})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "invalid_cursor"


async def test_an_edited_cursor_of_nearby_places_is_refused(client: httpx.AsyncClient) -> None:
    place_id = (await client.get("/v1/places", params={"limit": 1})).json()["items"][0]["id"]
    cursor = encode_cursor("places:distance:2", [1.0, TOO_BIG])
    response = await client.get(f"/v1/places/{place_id}/nearby", params={"cursor": cursor})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "key",
    [
        ["2026-01-01T00:00:00+00:00", 0, TOO_BIG, ""],
        ["2026-01-01T00:00:00+00:00", 0, BEYOND_INT32, ""],
        ["2026-01-01T00:00:00", 0, 0, ""],
        ["0001-01-01T00:00:00+08:00", 0, 0, ""],
        ["2026-01-01T00:00:00+00:00", 0, 0, 7],
    ],
)
async def test_an_edited_sync_token_asks_for_a_sync_from_the_start(client: httpx.AsyncClient, key: list[Any]) -> None:
    response = await client.get("/v1/sync", params={"since": encode_cursor("sync", key)})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"
    assert "sync again from the start" in response.json()["detail"]


@pytest.mark.parametrize(
    ("name", "day"),
    [("from", "0001-01-01"), ("to", "9999-12-31"), ("from", "1899-12-31"), ("to", "0"), ("from", "2026-1-5")],
)
async def test_event_days_must_be_calendar_days_written_in_full(client: httpx.AsyncClient, name: str, day: str) -> None:
    response = await client.get("/v1/events", params={name: day})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", name]


async def test_event_days_at_the_edges_of_the_calendar_are_answered(client: httpx.AsyncClient) -> None:
    everything = await client.get("/v1/events", params={"from": "1900-01-01", "to": "2999-12-31", "limit": 100})
    assert everything.status_code == 200
    upcoming = (await client.get("/v1/events", params={"limit": 100})).json()["items"]
    # From 1900 on, the events already over are listed too.
    assert {event["id"] for event in upcoming} <= {event["id"] for event in everything.json()["items"]}


async def _search_peak_bytes(client: httpx.AsyncClient, params: dict[str, object]) -> tuple[httpx.Response, int]:
    """The answer, and the most memory (Python allocations) the search held at once."""
    await client.get("/v1/places", params=params)  # statements compiled and caches filled beforehand
    tracemalloc.start()
    try:
        response = await client.get("/v1/places", params=params)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return response, peak_bytes


@pytest.mark.parametrize("near", ["90,0", "-90,180", "89.99,0"])
async def test_words_near_a_pole_are_answered_at_once(client: httpx.AsyncClient, near: str) -> None:
    # Towards a pole a degree of longitude shrinks to nothing: the map cells of a circle there are countless.
    # Time is not asserted (it varies with the machine); a search that walked those cells would spend memory in
    # proportion (a phrase and a parameter per cell), so "at once" is: no more than an ordinary search in the city.
    for params in ({"q": "公园", "near": near, "radius_m": 50000}, {"q": "厕所", "near": near, "sort": "distance"}):
        ordinary, ordinary_bytes = await _search_peak_bytes(client, {**params, "near": PEOPLES_SQUARE})
        assert ordinary.status_code == 200 and ordinary.json()["items"]
        assert ordinary_bytes < ORDINARY_SEARCH_BYTES, (params, ordinary_bytes)

        response, peak_bytes = await _search_peak_bytes(client, params)
        assert response.status_code == 200, response.text
        assert response.json()["items"] == []
        assert peak_bytes < ORDINARY_SEARCH_BYTES, (params, peak_bytes)


async def test_a_lone_surrogate_in_a_guide_answer_is_a_clear_422(client: httpx.AsyncClient) -> None:
    bundle = (await client.get("/v1/bundles", params={"limit": 1})).json()["items"][0]["code"]
    # Valid JSON that no UTF-8 text can hold: the name of the answer is repeated in the problem's `errors`.
    body = '{"answers": {"\\ud800": true}}'
    response = await client.post(
        f"/v1/bundles/{bundle}/guide", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422, response.text
    problem = json.loads(response.content.decode("utf-8"))
    assert problem["code"] == "validation_failed" and problem["errors"][0]["loc"][:2] == ["body", "answers"]


def test_a_problem_repeating_a_lone_surrogate_is_still_sent() -> None:
    # The last line of defence for any client text a problem repeats: "?" in its place, not a failed answer.
    response = problem_response(422, "validation_failed", "The request is not valid", errors=[{"loc": ["\ud800"]}])
    assert json.loads(response.body.decode("utf-8"))["errors"] == [{"loc": ["?"]}]


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [("/v1/places", "q=%E5%85%AC%E5%9B%AD%00", "q"), ("/v1/search", "q=park&kinds=place%00", "kinds")],
)
async def test_a_nul_character_in_a_parameter_is_a_clear_422(
    client: httpx.AsyncClient, path: str, query: str, name: str
) -> None:
    # PostgreSQL's text cannot hold one: refused alike on both databases, before any statement runs.
    response = await client.get(f"{path}?{query}")
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"loc": ["query", name], "msg": "may not hold the NUL character", "type": "nul"}
    ]
