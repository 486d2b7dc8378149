"""Residents send feedback: about a listing, an event, a bundle or a point on the map; safely retried."""

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.geo import from_wgs84
from api.pagination import encode_cursor
from models import Bundle, Feedback
from tests.feedback.conftest import complaint_about, place_in, submit


async def test_a_complaint_about_a_listing_takes_its_district_and_category(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    place = await place_in(session, "310104")
    place_id, category = place.id, place.category_code
    headers = await resident_headers()
    answer = await submit(client, headers, complaint_about(place_id))
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert created["status"] == "submitted" and created["ref"].startswith("FK-")
    assert created["district"] == "310104" and created["target"] == {"kind": "place", "id": str(place_id)}
    assert created["due_at"].endswith("18:00:00+08:00")
    assert [entry["action"] for entry in created["history"]] == ["submitted"]
    stored = await session.get(Feedback, created["id"])
    assert stored is not None and stored.target_category == category


async def test_a_point_on_the_map_in_gcj02_is_stored_in_wgs84_with_its_district(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    place = await place_in(session, "310115")  # 浦东
    gcj_lat, gcj_lng = from_wgs84(place.lat, place.lng, "gcj02")
    wgs = (place.lat, place.lng)
    body = {
        "kind": "suggestion",
        "location": {"lat": gcj_lat, "lng": gcj_lng},
        "coord": "gcj02",
        "title": "建议增设休息座椅",
        "body": "这里老人散步的很多，建议在人行道旁增设几张休息座椅。",
    }
    answer = await submit(client, await resident_headers(), body)
    assert answer.status_code == 201, answer.text
    location = answer.json()["location"]
    assert abs(location["lat"] - wgs[0]) < 1e-5 and abs(location["lng"] - wgs[1]) < 1e-5
    assert answer.json()["district"] == "310115"


async def test_a_correction_names_the_field_and_the_value(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    place_id = (await place_in(session, "310101")).id
    headers = await resident_headers()
    good = complaint_about(
        place_id,
        kind="correction",
        title="电话号码有误",
        body="这个电话已经停机，新号码见门口告示。",
        correction={"field": "phones", "suggested_value": "021-63281234"},
    )
    answer = await submit(client, headers, good)
    assert answer.status_code == 201
    assert answer.json()["correction"] == {"field": "phones", "suggested_value": "021-63281234"}
    for bad in (
        complaint_about(place_id, kind="correction"),  # no correction
        complaint_about(place_id, correction={"field": "phones", "suggested_value": "x"}),  # not a correction
        complaint_about(place_id, kind="correction", correction={"field": "password", "suggested_value": "x"}),
    ):
        refused = await submit(client, headers, bad)
        assert refused.status_code == 422 and refused.json()["code"] == "validation_failed"


async def test_targets_must_exist_and_something_must_be_named(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    headers = await resident_headers()
    bundle = (await session.execute(select(Bundle.code).where(Bundle.status == "published").limit(1))).scalar_one()
    about_bundle = await submit(
        client,
        headers,
        {
            "kind": "praise",
            "target": {"kind": "bundle", "id": bundle},
            "title": "办得很快",
            "body": "居住证一次就办好了，窗口服务很耐心。",
        },
    )
    assert about_bundle.status_code == 201
    for body in (
        complaint_about(2_000_000_000),
        {**complaint_about(1), "target": {"kind": "bundle", "id": "no-such-bundle"}},
        {"kind": "complaint", "title": "没说是哪里", "body": "既没有对象也没有位置的反馈。"},
        {**complaint_about(1), "target": None, "location": {"lat": 39.9, "lng": 116.4}},  # Beijing
        {**complaint_about(1), "district": "999999"},
    ):
        refused = await submit(client, headers, body)
        assert refused.status_code == 422, body


async def test_text_holding_a_nul_character_is_refused_on_both_databases(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    # PostgreSQL's text cannot hold NUL (SQLite's can): a 422 on both, and nothing stored.
    place = await place_in(session, "310104")
    headers = await resident_headers()
    before = (await session.execute(select(func.count()).select_from(Feedback))).scalar_one()
    for body in (
        complaint_about(place.id, body="东门公厕连续三天没有手纸\u0000洗手液也用完了"),
        complaint_about(place.id, kind="correction", correction={"field": "phones", "suggested_value": "\u0000"}),
    ):
        refused = await submit(client, headers, body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "validation_failed"
    assert (await session.execute(select(func.count()).select_from(Feedback))).scalar_one() == before


async def test_an_edited_cursor_of_ones_own_feedback_is_refused(client: httpx.AsyncClient, resident_headers) -> None:  # noqa: ANN001
    headers = await resident_headers()
    for key in ([2**31], [-(2**31) - 1], ["7"], [True]):
        response = await client.get(
            "/v1/me/feedback", params={"cursor": encode_cursor("my-feedback", key)}, headers=headers
        )
        assert response.status_code == 400 and response.json()["code"] == "invalid_cursor", key


async def test_the_same_key_and_body_replay_the_answer_without_a_new_row(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    place_id = (await place_in(session, "310104")).id
    headers = await resident_headers()
    before = await session.scalar(select(func.count()).select_from(Feedback))
    first = await submit(client, headers, complaint_about(place_id), key="key-1")
    again = await submit(client, headers, complaint_about(place_id), key="key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert await session.scalar(select(func.count()).select_from(Feedback)) == before + 1

    changed = await submit(client, headers, complaint_about(place_id, title="另一个问题"), key="key-1")
    assert changed.status_code == 422 and changed.json()["code"] == "idempotency_conflict"
    missing = await client.post("/v1/feedback", json=complaint_about(place_id), headers=headers)
    assert missing.status_code == 400 and missing.json()["code"] == "idempotency_key_required"
    assert await session.scalar(select(func.count()).select_from(Feedback)) == before + 1


async def test_twenty_a_day_then_429_until_tomorrow(
    client: httpx.AsyncClient,
    resident_headers,
    session: AsyncSession,  # noqa: ANN001
) -> None:
    place_id = (await place_in(session, "310104")).id
    headers = await resident_headers()
    statuses = [
        (await submit(client, headers, complaint_about(place_id, title=f"问题 {n}"))).status_code for n in range(21)
    ]
    assert statuses == [201] * 20 + [429]
    refused = await submit(client, headers, complaint_about(place_id))
    assert refused.json()["code"] == "rate_limited" and 0 < int(refused.headers["Retry-After"]) <= 86400
    other = await submit(client, await resident_headers("13912349999"), complaint_about(place_id))
    assert other.status_code == 201


async def test_staff_cannot_submit_feedback(client: httpx.AsyncClient, staff_headers) -> None:  # noqa: ANN001
    answer = await submit(client, await staff_headers("reviewer"), complaint_about(1))
    assert answer.status_code == 403
