"""Live figures from machines: admins make feed keys (shown once, revocable), a feed or an operator pushes a batch of
figures, each figure applied, ignored as older or rejected on its own; residents see each figure's age."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.feeds import live_figures
from api.deps import Principal
from api.errors import ValidationFailed
from models import AuditEntry, FeedKey, ListingVersion, Place
from tests.accounts.conftest import bearer, new_staff

PUSH = "/v1/manage/availability"
KEYS = "/v1/admin/api-keys"


async def _car_parks(session: AsyncSession, district: str) -> list[Place]:
    """Real (not sample) published car parks of a district, as seeded."""
    return list(
        (
            await session.scalars(
                select(Place)
                .where(
                    Place.category_code == "transport.parking",
                    Place.district_code == district,
                    Place.is_sample.is_(False),
                    Place.status == "published",
                )
                .order_by(Place.id)
            )
        ).all()
    )


def _figure(place: Place | int, available: int, as_of: datetime, **more: Any) -> dict[str, Any]:
    place_id = place if isinstance(place, int) else place.id
    return {"place_id": place_id, "available": available, "as_of": as_of.isoformat(), **more}


async def _staff(app: FastAPI, session: AsyncSession, role: str, districts: tuple[str, ...] = ()) -> int:
    account = await new_staff(app, session, role, districts)
    await session.commit()
    return account.id


@pytest.fixture
async def admin(app: FastAPI, session: AsyncSession) -> dict[str, str]:
    return bearer(app, await _staff(app, session, "admin"))


async def _new_key(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    districts: tuple[str, ...] = ("310104",),
    categories: tuple[str, ...] = ("transport.parking",),
) -> dict[str, Any]:
    made = await client.post(
        KEYS,
        json={"name": "测试停车场平台", "districts": list(districts), "categories": list(categories)},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return made.json()


async def test_a_key_is_shown_once_and_pushes_figures_that_residents_see_with_their_age(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    mine, stale = await _car_parks(session, "310104")
    (elsewhere,) = await _car_parks(session, "310101")
    now = datetime.now(UTC)
    stale.capacity, stale.available, stale.available_updated_at = 300, 20, now - timedelta(minutes=1)
    await session.commit()
    version_before = (await client.get(f"/v1/places/{mine.id}")).json()["version"]
    updated_before = await session.scalar(select(Place.updated_at).where(Place.id == mine.id))

    made = await _new_key(client, admin)
    key = made["key"]
    assert key.startswith(made["prefix"] + "_") and made["prefix"].startswith("svk_")
    listed = await client.get(KEYS, headers=admin)
    assert listed.status_code == 200 and listed.headers["cache-control"] == "no-store"
    (shown,) = [item for item in listed.json()["items"] if item["id"] == made["id"]]
    assert shown["prefix"] == made["prefix"] and shown["districts"] == ["310104"] and shown["last_used_at"] is None
    assert key not in listed.text and "key" not in shown and "key_hash" not in shown
    stored = await session.get(FeedKey, made["id"])
    assert stored is not None and stored.key_hash != key and stored.key_hash not in listed.text

    as_of = now - timedelta(seconds=90)
    pushed = await client.put(
        PUSH,
        json={
            "figures": [
                _figure(mine, 40, as_of),
                _figure(elsewhere, 5, as_of),
                _figure(stale, 7, now - timedelta(minutes=2)),
            ]
        },
        headers={"X-API-Key": key},
    )
    assert pushed.status_code == 200, pushed.text
    answer = pushed.json()
    assert (answer["applied"], answer["ignored_older"], answer["rejected"]) == (1, 1, 1)
    assert [(r["index"], r["outcome"], r["code"]) for r in answer["results"]] == [
        (0, "applied", None),
        (1, "rejected", "not_found"),
        (2, "ignored_older", None),
    ]

    detail = (await client.get(f"/v1/places/{mine.id}")).json()
    assert detail["available"] == 40
    assert datetime.fromisoformat(detail["available_updated_at"]) == as_of
    assert detail["available_updated_at"].endswith("+08:00")
    assert 90 <= detail["available_age_seconds"] < 3600
    assert detail["version"] == version_before  # a live figure is not an edit
    # …but a change all the same, which /v1/sync passes on to phones that cached the listing.
    assert await session.scalar(select(Place.updated_at).where(Place.id == mine.id)) > updated_before
    listed_public = (await client.get("/v1/places", params={"category": "transport.parking"})).json()["items"]
    assert [item["available_age_seconds"] for item in listed_public if item["id"] == mine.id][0] >= 90
    untouched = (await client.get(f"/v1/places/{stale.id}")).json()
    assert untouched["available"] == 20 and untouched["available_age_seconds"] >= 60
    assert (await client.get(f"/v1/places/{elsewhere.id}")).json()["available"] != 5

    first_use = (await client.get(KEYS, headers=admin)).json()["items"][0]["last_used_at"]
    assert first_use is not None
    again = await client.put(PUSH, json={"figures": [_figure(mine, 41, now)]}, headers={"X-API-Key": key})
    assert again.json()["applied"] == 1
    # Written at most once a minute, not on every call.
    assert (await client.get(KEYS, headers=admin)).json()["items"][0]["last_used_at"] == first_use

    pushes = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "availability.push").order_by(AuditEntry.id)
        )
    ).all()
    assert [(entry.object_type, entry.object_id) for entry in pushes] == [("feed_key", str(made["id"]))] * 2
    assert pushes[0].details.items() >= {"figures": 3, "applied": 1, "ignored_older": 1, "rejected": 1}.items()
    assert pushes[0].actor_id is None and made["prefix"] in pushes[0].details["via"]
    created = await session.scalar(select(AuditEntry).where(AuditEntry.action == "feed_key.create"))
    assert created is not None and created.object_id == str(made["id"])


async def test_a_revoked_key_is_refused_like_an_unknown_one_and_revoking_again_changes_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    (mine, _) = await _car_parks(session, "310104")
    made = await _new_key(client, admin)
    body = {"figures": [_figure(mine, 3, datetime.now(UTC))]}
    assert (await client.put(PUSH, json=body, headers={"X-API-Key": made["key"]})).status_code == 200

    for _ in range(2):
        revoked = await client.delete(f"{KEYS}/{made['id']}", headers=admin)
        assert revoked.status_code == 204
    assert (await client.delete(f"{KEYS}/2000000000", headers=admin)).status_code == 404
    listed = (await client.get(KEYS, headers=admin)).json()["items"]
    assert [item["revoked_at"] is not None for item in listed if item["id"] == made["id"]] == [True]

    refused = await client.put(PUSH, json=body, headers={"X-API-Key": made["key"]})
    unknown = await client.put(PUSH, json=body, headers={"X-API-Key": made["prefix"] + "_not-the-secret"})
    for answer in (refused, unknown):
        assert answer.status_code == 401
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["code"] == "invalid_api_key"
    assert refused.json() == unknown.json()
    revocations = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "feed_key.revoke"))).all()
    assert [entry.object_id for entry in revocations] == [str(made["id"])]


async def test_a_key_opens_no_other_endpoint(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    (mine, _) = await _car_parks(session, "310104")
    key = (await _new_key(client, admin))["key"]
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        for method, path, body in (
            ("GET", f"/v1/manage/places/{mine.id}", None),
            ("PUT", f"/v1/manage/places/{mine.id}/availability", {"available": 1}),
            ("GET", KEYS, None),
            ("GET", "/v1/me", None),
        ):
            answer = await client.request(method, path, json=body, headers=headers)
            assert answer.status_code == 401, (headers, path, answer.text)
    # Not even the push, when the key comes as a bearer token.
    as_bearer = await client.put(
        PUSH, json={"figures": [_figure(mine, 1, datetime.now(UTC))]}, headers={"Authorization": f"Bearer {key}"}
    )
    assert as_bearer.status_code == 401 and as_bearer.json()["code"] == "invalid_token"
    assert (await session.get(Place, mine.id)).available != 1


async def test_operators_push_for_their_districts_and_other_roles_cannot(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    (mine, _) = await _car_parks(session, "310104")
    (elsewhere,) = await _car_parks(session, "310101")
    park = await session.scalar(
        select(Place.id).where(Place.district_code == "310104", Place.category_code.like("park.%")).limit(1)
    )
    operator = await _staff(app, session, "operator", ("310104",))
    now = datetime.now(UTC)
    pushed = await client.put(
        PUSH,
        json={
            "figures": [
                _figure(mine, 12, now - timedelta(seconds=30)),
                _figure(elsewhere, 12, now),
                _figure(park, 1, now),
                _figure(2_000_000_000, 1, now),
            ]
        },
        headers=bearer(app, operator),
    )
    assert pushed.status_code == 200, pushed.text
    assert [(r["outcome"], r["code"]) for r in pushed.json()["results"]] == [
        ("applied", None),
        ("rejected", "not_found"),
        ("rejected", "no_live_figures"),
        ("rejected", "not_found"),
    ]
    assert (await client.get(f"/v1/places/{mine.id}")).json()["available"] == 12
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "availability.push"))
    assert entry is not None and (entry.actor_id, entry.object_type) == (operator, "user")

    reviewer = bearer(app, await _staff(app, session, "reviewer"))
    body = {"figures": [_figure(mine, 2, now)]}
    assert (await client.put(PUSH, json=body, headers=reviewer)).status_code == 403
    assert (await client.put(PUSH, json=body)).status_code == 401


async def test_each_figure_is_checked_on_its_own(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    mine, other = await _car_parks(session, "310104")
    mine.source_id, mine.capacity = "TEST-P-0001", 50
    nursing_home = await session.scalar(
        select(Place.id).where(Place.district_code == "310104", Place.category_code == "elder_care.nursing_home")
    )
    await session.commit()
    one_district = {"X-API-Key": (await _new_key(client, admin))["key"]}
    two_districts = {"X-API-Key": (await _new_key(client, admin, ("310104", "310101")))["key"]}
    now = datetime.now(UTC)

    pushed = await client.put(
        PUSH,
        json={
            "figures": [
                {"source_id": "TEST-P-0001", "available": 9, "as_of": (now - timedelta(seconds=5)).isoformat()},
                _figure(other, 8, now + timedelta(minutes=30)),
                _figure(mine, 51, now),
                _figure(nursing_home, 1, now),
                {"source_id": "TEST-P-none", "available": 1, "as_of": now.isoformat()},
            ]
        },
        headers=one_district,
    )
    results = pushed.json()["results"]
    assert [(r["outcome"], r["code"], r["place_id"]) for r in results] == [
        ("applied", None, mine.id),
        ("rejected", "as_of_in_future", other.id),
        ("rejected", "above_capacity", mine.id),
        ("rejected", "not_found", nursing_home),
        ("rejected", "not_found", None),
    ]
    assert (await client.get(f"/v1/places/{mine.id}")).json()["available"] == 9

    by_source = {"source_id": "TEST-P-0001", "available": 4, "as_of": now.isoformat()}
    ambiguous = await client.put(PUSH, json={"figures": [by_source]}, headers=two_districts)
    assert ambiguous.json()["results"][0]["code"] == "district_required"
    named = await client.put(PUSH, json={"figures": [by_source | {"district": "310104"}]}, headers=two_districts)
    assert named.json()["results"][0]["outcome"] == "applied"
    assert (await client.get(f"/v1/places/{mine.id}")).json()["available"] == 4


async def test_a_new_capacity_from_a_feed_is_an_edit_kept_in_history(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    (mine, _) = await _car_parks(session, "310104")
    made = await _new_key(client, admin)
    version, old_capacity = (await client.get(f"/v1/places/{mine.id}")).json()["version"], mine.capacity
    assert old_capacity != 480
    figure = _figure(mine, 30, datetime.now(UTC), capacity=480)
    pushed = await client.put(PUSH, json={"figures": [figure]}, headers={"X-API-Key": made["key"]})
    assert pushed.json()["applied"] == 1
    detail = (await client.get(f"/v1/places/{mine.id}")).json()
    assert (detail["capacity"], detail["available"], detail["version"]) == (480, 30, version + 1)
    latest = await session.scalar(
        select(ListingVersion)
        .where(ListingVersion.object_type == "place", ListingVersion.object_key == str(mine.id))
        .order_by(ListingVersion.version.desc())
        .limit(1)
    )
    assert latest is not None and (latest.version, latest.source, latest.source_ref) == (
        version + 1,
        "feed",
        made["id"],
    )
    assert latest.changes == [{"field": "capacity", "old": old_capacity, "new": 480}]


async def test_malformed_batches_are_refused_whole_and_write_nothing(
    client: httpx.AsyncClient, admin: dict[str, str], session: AsyncSession
) -> None:
    mine = (await _car_parks(session, "310104"))[0].id
    headers = {"X-API-Key": (await _new_key(client, admin))["key"]}
    now = datetime.now(UTC)
    too_many = await client.put(PUSH, json={"figures": [_figure(mine, 1, now)] * 501}, headers=headers)
    assert too_many.status_code == 422 and too_many.json()["code"] == "too_many_figures"
    naive = {"place_id": mine, "available": 2, "as_of": now.replace(tzinfo=None).isoformat()}
    for figures in (
        [_figure(mine, 3, now), naive],
        [{"available": 1, "as_of": now.isoformat()}],
        [{"place_id": mine, "source_id": "X", "available": 1, "as_of": now.isoformat()}],
        [_figure(mine, -1, now)],
        [],
    ):
        answer = await client.put(PUSH, json={"figures": figures}, headers=headers)
        assert answer.status_code == 422 and answer.json()["code"] == "validation_failed", figures
    assert (await session.get(Place, mine)).available is None
    assert await session.scalar(select(AuditEntry).where(AuditEntry.action == "availability.push")) is None
    both = await client.put(PUSH, json={"figures": [_figure(mine, 1, now)]}, headers={**headers, **admin})
    assert both.status_code == 400 and both.json()["code"] == "ambiguous_credentials"


async def test_a_key_scope_must_name_districts_and_categories_with_live_figures(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for scope, problem in (
        ({"districts": ["319999"], "categories": ["transport.parking"]}, "unknown_district"),
        ({"districts": ["310104"], "categories": ["park.city"]}, "no_live_figures"),
        ({"districts": [], "categories": ["transport.parking"]}, "too_short"),
        ({"districts": ["310104"], "categories": []}, "too_short"),
    ):
        answer = await client.post(KEYS, json={"name": "测试", **scope}, headers=admin)
        assert answer.status_code == 422 and problem in {e["type"] for e in answer.json()["errors"]}, answer.text


async def test_one_listings_figures_set_by_hand_follow_the_same_rules(session: AsyncSession) -> None:
    """The rules the single-listing route (PUT /v1/manage/places/{id}/availability) uses through this function."""
    (mine, _) = await _car_parks(session, "310104")
    operator = Principal(user_id=None, role="operator", districts=frozenset({"310104"}))  # type: ignore[arg-type]
    mine.capacity = 10
    place = await live_figures.set_availability(session, operator, mine.id, 6, None)
    assert place.available == 6 and place.available_updated_at is not None
    with pytest.raises(ValidationFailed) as refused:
        await live_figures.set_availability(session, operator, mine.id, 11, None)
    assert refused.value.errors[0]["type"] == "above_capacity"
    park = await session.scalar(
        select(Place.id).where(Place.district_code == "310104", Place.category_code.like("park.%")).limit(1)
    )
    with pytest.raises(ValidationFailed) as no_figures:
        await live_figures.set_availability(session, operator, park, 1, None)
    assert no_figures.value.errors[0]["type"] == "no_live_figures"
