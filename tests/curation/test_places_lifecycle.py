"""An operator's listing from draft to archive through /v1/manage/places: creation, merge-patch edits under
If-Match, publication (with what residents then find), verification, history and revert, within district grants."""

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.geo import from_wgs84, haversine_m
from api.search.sync import service as sync
from models import AuditEntry, ListingVersion, Place
from tests.curation.places_http import (
    ATTRIBUTES,
    DISTRICT,
    ELSEWHERE,
    HOURS,
    MERGE_PATCH,
    action,
    complete,
    create,
    draft,
    operator_headers,
    patch,
    street_of,
    written,
)


async def test_a_new_draft_answers_201_with_its_url_and_etag_and_reads_back_whole(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    street = await street_of(session, DISTRICT)
    answer = await client.post(
        "/v1/manage/places", json=draft(street=street, tags=["助餐"], reason="街道办新报"), headers=headers
    )
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert answer.headers["location"] == f"/v1/manage/places/{created['id']}"
    assert answer.headers["etag"] == '"1"' and answer.headers["cache-control"] == "no-store"
    assert created["status"] == "draft" and created["version"] == 1 and created["street"] == street
    assert created["location"] is None and [w["code"] for w in created["warnings"]] == ["needs_location"]
    assert created["verified_at"] is None and created["stale"] is False and created["tags"] == ["助餐"]

    again = await client.get(answer.headers["location"], headers=headers)
    assert again.status_code == 200 and again.json() == created and again.headers["etag"] == '"1"'
    # Residents see nothing of a draft.
    assert (await client.get(f"/v1/places/{created['id']}")).status_code == 404


async def test_a_location_given_in_gcj02_or_bd09_is_kept_in_wgs84(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    true_point = (31.1885, 121.4371)
    for system in ("gcj02", "bd09"):
        lat, lng = from_wgs84(*true_point, system)
        created = await create(client, headers, draft(location={"lat": lat, "lng": lng}, coord=system))
        kept = created["location"]
        assert haversine_m(*true_point, kept["lat"], kept["lng"]) < 1, (system, kept)
    # An edit may give its location in GCJ-02 too, whole.
    place = await create(client, headers, draft())
    lat, lng = from_wgs84(31.2, 121.45, "gcj02")
    moved = await patch(client, headers, place["id"], {"location": {"lat": lat, "lng": lng}}, 1, coord="gcj02")
    assert moved.status_code == 200, moved.text
    assert haversine_m(31.2, 121.45, moved.json()["location"]["lat"], moved.json()["location"]["lng"]) < 1
    half = await patch(client, headers, place["id"], {"location": {"lat": lat}}, 2, coord="gcj02")
    assert half.status_code == 422 and half.json()["errors"][0]["loc"] == ["body", "location"]
    off_the_map = await client.patch(
        f"/v1/manage/places/{place['id']}?coord=bd09",
        content=b'{"location": {"lat": 1' + b"0" * 400 + b', "lng": 121.4}}',
        headers={**headers, **MERGE_PATCH, "If-Match": '"2"'},
    )
    assert off_the_map.status_code == 422 and off_the_map.json()["errors"][0]["loc"] == ["body", "location", "lat"]


async def test_naming_a_district_not_granted_is_403_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    mine = await create(client, headers, draft())
    before = await written(session)

    refused = await client.post("/v1/manage/places", json=draft(district=ELSEWHERE), headers=headers)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
    moved = await patch(client, headers, mine["id"], {"district": ELSEWHERE, "street": None}, 1)
    assert moved.status_code == 403 and moved.json()["code"] == "forbidden", moved.text
    listed = await client.get("/v1/manage/places", params={"district": ELSEWHERE}, headers=headers)
    assert listed.status_code == 403

    assert await written(session) == before
    assert (await client.get(f"/v1/manage/places/{mine['id']}", headers=headers)).json()["district"] == DISTRICT


async def test_a_listing_outside_the_districts_is_404_to_every_endpoint_and_untouched(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, admin = await operator_headers(app, session, role="admin")
    _, _, headers = await operator_headers(app, session)
    elsewhere = await create(client, admin, complete(district=ELSEWHERE))
    published = await session.scalar(
        select(Place.id).where(Place.district_code == ELSEWHERE, Place.status == "published").limit(1)
    )
    before = await written(session)
    for place_id in (elsewhere["id"], published, 2_000_000_000):
        base = f"/v1/manage/places/{place_id}"
        answers = [
            await client.get(base, headers=headers),
            await patch(client, headers, place_id, {"name": "测试改名"}, 1),
            await client.get(f"{base}/history", headers=headers),
            await client.post(f"{base}/revert", json={"version": 1}, headers=headers),
            await client.put(f"{base}/availability", json={"available": 1}, headers=headers),
            *[await action(client, headers, place_id, name) for name in ("publish", "archive", "restore", "verify")],
        ]
        assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "not_found")] * len(answers)
    assert await written(session) == before
    # The admin reaches it.
    assert (await client.get(f"/v1/manage/places/{elsewhere['id']}", headers=admin)).status_code == 200


async def test_an_edit_needs_the_merge_patch_media_type_and_if_match(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    place = await create(client, headers, draft())
    url = f"/v1/manage/places/{place['id']}"

    plain_json = await client.patch(url, json={"name": "测试改名"}, headers={**headers, "If-Match": '"1"'})
    assert plain_json.status_code == 415 and plain_json.json()["code"] == "unsupported_media_type"
    without = await patch(client, headers, place["id"], {"name": "测试改名"}, None)
    assert without.status_code == 428 and without.json()["code"] == "precondition_required"
    assert without.headers["etag"] == '"1"'
    not_json = await client.patch(url, content=b"{name:", headers={**headers, **MERGE_PATCH, "If-Match": '"1"'})
    assert not_json.status_code == 422 and not_json.json()["code"] == "validation_failed"

    edited = await patch(client, headers, place["id"], {"name": "测试改名"}, 1)
    assert edited.status_code == 200 and edited.headers["etag"] == '"2"' and edited.json()["name"] == "测试改名"
    stale = await patch(client, headers, place["id"], {"name": "测试再改"}, 1)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert stale.headers["etag"] == '"2"'
    assert (await client.get(url, headers=headers)).json()["name"] == "测试改名"


async def test_a_merge_patch_changes_only_what_it_names_and_is_checked_whole(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    place = await create(client, headers, complete(name_en="Test Meal Site", tags=["午餐", "老人"]))
    place_id = place["id"]

    # null clears a field, an object is merged key by key, a list is replaced whole.
    edited = await patch(client, headers, place_id, {"name_en": None, "attributes": {"price_yuan": 10}, "tags": []}, 1)
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["name_en"] is None and body["tags"] == [] and body["version"] == 2
    assert body["attributes"] == {**ATTRIBUTES, "price_yuan": 10}
    assert body["opening_hours"] == place["opening_hours"] and body["name"] == place["name"]

    before = await written(session)
    for changes, location in (
        ({"location": {"lat": 200}}, ["body", "location", "lat"]),
        ({"name": None}, ["body", "name"]),
        ({"status": "published"}, ["body", "status"]),
        ({"opening_hours": {"weekly": [{"days": [8], "opens": "09:00", "closes": "17:00"}]}}, None),
        ({"category": "no.such_category"}, ["body", "category"]),
    ):
        refused = await patch(client, headers, place_id, changes, 2)
        assert refused.status_code == 422 and refused.json()["code"] == "validation_failed", (changes, refused.text)
        locations = [error["loc"] for error in refused.json()["errors"]]
        assert location in locations if location else locations[0][:2] == ["body", "opening_hours"], locations
    not_an_object = await patch(client, headers, place_id, ["name"], 2)  # type: ignore[arg-type]
    assert not_an_object.status_code == 422

    # The same values again change nothing: no version.
    unchanged = await patch(client, headers, place_id, {"name": place["name"]}, 2)
    assert unchanged.status_code == 200 and unchanged.json()["version"] == 2
    assert await written(session) == before


async def test_publishing_needs_a_complete_listing_and_names_each_missing_item(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    place = await create(client, headers, draft())
    before = await written(session)
    refused = await action(client, headers, place["id"], "publish")
    assert refused.status_code == 422, refused.text
    missing = {tuple(error["loc"][1:]) for error in refused.json()["errors"]}
    assert missing == {("location",), ("opening_hours",), ("attributes", "meal_times"), ("attributes", "price_yuan")}
    assert await written(session) == before

    located = await patch(client, headers, place["id"], {"location": {"lat": 31.19, "lng": 121.44}}, 1)
    assert located.json()["warnings"] == []
    still = await action(client, headers, place["id"], "publish")
    assert {tuple(error["loc"][1:]) for error in still.json()["errors"]} == missing - {("location",)}

    await patch(client, headers, place["id"], {"opening_hours": HOURS, "attributes": ATTRIBUTES}, 2)
    published = await action(client, headers, place["id"], "publish", {"reason": "核实无误"})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.headers["etag"] == '"4"'
    # A published listing stays complete.
    emptied = await patch(client, headers, place["id"], {"opening_hours": None}, 4)
    assert emptied.status_code == 422 and emptied.json()["errors"][0]["loc"] == ["body", "opening_hours"]


async def _found(client: httpx.AsyncClient, place_id: int, word: str) -> tuple[bool, bool]:
    """Whether residents find the listing by a word: in the place search, and in the search across kinds."""
    places = (await client.get("/v1/places", params={"q": word, "limit": 100})).json()["items"]
    everything = (await client.get("/v1/search", params={"q": word, "kinds": "place", "limit": 100})).json()["items"]
    return place_id in {item["id"] for item in places}, place_id in {item["id"] for item in everything}


async def _sync_from(client: httpx.AsyncClient, since: str | None) -> tuple[list, list, str]:
    changed, deleted = [], []
    while True:
        body = (await client.get("/v1/sync", params={"limit": 500, **({"since": since} if since else {})})).json()
        changed, deleted, since = changed + body["changed"], deleted + body["deleted"], body["next_since"]
        if not body["has_more"]:
            return changed, deleted, since


async def test_residents_find_a_listing_once_published_and_lose_it_once_archived(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sync withholds changes younger than its settling time (api/directory/sync.py), there so that a slow
    # transaction's rows cannot fall behind a token: with no other writer here, it may hand them out at once.
    monkeypatch.setattr(sync, "SETTLE", timedelta(0))
    _, _, headers = await operator_headers(app, session)
    since = (await _sync_from(client, None))[2]
    place = await create(client, headers, complete(name="梧桐里测试助餐点"))
    place_id = place["id"]
    assert await _found(client, place_id, "梧桐里") == (False, False)

    published = await action(client, headers, place_id, "publish")
    assert published.status_code == 200, published.text
    assert await _found(client, place_id, "梧桐里") == (True, True)
    assert (await client.get(f"/v1/places/{place_id}")).json()["name"] == "梧桐里测试助餐点"
    changed, deleted, since = await _sync_from(client, since)
    assert [(item["kind"], item["id"]) for item in changed] == [("place", place_id)] and deleted == []

    # A published listing renamed is found by its new name at once.
    renamed = await patch(client, headers, place_id, {"name": "银杏里测试助餐点"}, 2)
    assert renamed.status_code == 200
    assert await _found(client, place_id, "银杏里") == (True, True)
    assert await _found(client, place_id, "梧桐里") == (False, False)

    archived = await action(client, headers, place_id, "archive", {"reason": "已停办"})
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    assert await _found(client, place_id, "银杏里") == (False, False)
    assert (await client.get(f"/v1/places/{place_id}")).status_code == 404
    changed, deleted, since = await _sync_from(client, since)
    assert changed == [] and deleted == [{"kind": "place", "id": place_id}]

    restored = await action(client, headers, place_id, "restore")
    assert restored.status_code == 200 and restored.json()["status"] == "draft"
    again = await action(client, headers, place_id, "restore")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    stale = await client.post(f"/v1/manage/places/{place_id}/publish", headers={**headers, "If-Match": '"2"'})
    assert stale.status_code == 412
    assert await _found(client, place_id, "银杏里") == (False, False)


async def test_verifying_shows_residents_when_and_is_not_an_edit(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    operator_id, username, headers = await operator_headers(app, session)
    place = await create(client, headers, complete())
    await action(client, headers, place["id"], "publish")
    assert (await client.get(f"/v1/places/{place['id']}")).json()["verified_at"] is None

    verified = await action(client, headers, place["id"], "verify")
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["verified_at"] is not None and body["verified_by"] == {"id": operator_id, "username": username}
    # Not an edit: an edit made on the version read before verifying still applies.
    assert body["version"] == 2 and verified.headers["etag"] == '"2"'
    public = (await client.get(f"/v1/places/{place['id']}")).json()
    assert public["verified_at"] == body["verified_at"] and public["verified_at"].endswith("+08:00")
    assert (await patch(client, headers, place["id"], {"description": "测试说明"}, 2)).status_code == 200


async def test_history_tells_who_when_why_and_what_changed_and_a_revert_is_a_new_version(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    operator_id, username, headers = await operator_headers(app, session)
    place = await create(client, headers, draft(reason="街道办新报"))
    place_id = place["id"]
    await patch(client, headers, place_id, {"name": "测试改名", "capacity": 30}, 1, reason="更正名称")
    await patch(client, headers, place_id, {"location": {"lat": 31.19, "lng": 121.44}}, 2)

    history = await client.get(f"/v1/manage/places/{place_id}/history", headers=headers)
    assert history.status_code == 200, history.text
    items = history.json()["items"]
    assert [item["version"] for item in items] == [3, 2, 1]
    assert all(item["actor"] == {"id": operator_id, "username": username} for item in items)
    assert all(item["source"] == "manual" and item["at"].endswith("+08:00") for item in items)
    assert [item["reason"] for item in items] == [None, "更正名称", "街道办新报"]
    assert items[1]["changes"] == [
        {"field": "name", "old": place["name"], "new": "测试改名"},
        {"field": "capacity", "old": None, "new": 30},
    ]
    assert items[0]["changes"] == [{"field": "location", "old": None, "new": {"lat": 31.19, "lng": 121.44}}]

    reverted = await client.post(
        f"/v1/manage/places/{place_id}/revert", json={"version": 1, "reason": "误改"}, headers=headers
    )
    assert reverted.status_code == 200, reverted.text
    body = reverted.json()
    assert body["version"] == 4 and reverted.headers["etag"] == '"4"'
    assert (body["name"], body["capacity"], body["location"]) == (place["name"], None, None)
    latest = (await client.get(f"/v1/manage/places/{place_id}/history", params={"limit": 1}, headers=headers)).json()
    newest = latest["items"][0]
    assert (newest["version"], newest["source"], newest["source_ref"], newest["reason"]) == (4, "revert", 1, "误改")
    assert {change["field"] for change in newest["changes"]} == {"name", "capacity", "location"}

    # Paging one version at a time gives each once, newest first.
    seen, cursor = [], None
    while True:
        params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"/v1/manage/places/{place_id}/history", params=params, headers=headers)).json()
        seen += [item["version"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [4, 3, 2, 1]

    current = await client.post(f"/v1/manage/places/{place_id}/revert", json={"version": 4}, headers=headers)
    assert current.status_code == 409
    unknown = await client.post(f"/v1/manage/places/{place_id}/revert", json={"version": 99}, headers=headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


async def test_a_seeded_listing_edited_for_the_first_time_keeps_its_seeded_state_as_a_baseline(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    place = await session.scalar(
        select(Place).where(Place.district_code == DISTRICT, Place.status == "published").limit(1)
    )
    place_id, name, version = place.id, place.name, place.version
    edited = await patch(client, headers, place_id, {"name": name + "（测试）"}, version)
    assert edited.status_code == 200, edited.text
    items = (await client.get(f"/v1/manage/places/{place_id}/history", headers=headers)).json()["items"]
    assert [(item["version"], item["source"], item["actor"]) for item in items][1] == (version, "baseline", None)
    reverted = await client.post(f"/v1/manage/places/{place_id}/revert", json={"version": version}, headers=headers)
    assert reverted.status_code == 200 and reverted.json()["name"] == name


async def test_every_write_is_in_the_audit_trail_under_its_author(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    operator_id, _, headers = await operator_headers(app, session)
    place = await create(client, headers, complete())
    place_id = place["id"]
    await patch(client, headers, place_id, {"description": "测试说明"}, 1, reason="补充说明")
    for name in ("publish", "verify", "archive", "restore"):
        assert (await action(client, headers, place_id, name)).status_code == 200, name
    await client.post(f"/v1/manage/places/{place_id}/revert", json={"version": 1}, headers=headers)
    entries = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "place", AuditEntry.object_id == str(place_id))
        )
    ).all()
    assert [(entry.action, entry.actor_id) for entry in sorted(entries, key=lambda e: e.id)] == [
        (action_name, operator_id)
        for action_name in (
            "place.create",
            "place.edit",
            "place.publish",
            "place.verify",
            "place.archive",
            "place.restore",
            "place.edit",
        )
    ]
    assert sorted(entries, key=lambda e: e.id)[1].reason == "补充说明"
    versions = await session.scalars(
        select(ListingVersion.version).where(
            ListingVersion.object_type == "place", ListingVersion.object_key == str(place_id)
        )
    )
    assert sorted(versions) == [1, 2, 3, 4, 5, 6]
