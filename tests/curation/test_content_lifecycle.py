"""Events, articles and one-thing bundles through their whole lifecycle, over HTTP: drafts, merge-patch edits with
If-Match, publishing, cancelling an event (residents still read it, so marked), history and revert, and who may."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database
from api.samples import visible_sample_counts, withdraw_samples
from api.search.sync import service as sync
from models import Event, ListingVersion, Place, UserAccount
from models.audit import AuditEntry
from tests.accounts.conftest import bearer, new_staff
from tests.races import all_answers, racing

Headers = dict[str, str]
MERGE = "application/merge-patch+json"
TALK = {
    "title": "测试社区讲座（测试数据）",
    "category": "event.community",
    "district": "310104",
    "summary": "测试摘要",
    "starts_at": "2027-05-01T09:00:00+08:00",
    "ends_at": "2027-05-01T11:00:00+08:00",
    "address": "徐汇区测试路（测试地址）",
    "registration": {"required": True, "note": "测试报名说明"},
}
ARTICLE = {"title": "测试科普文章（测试数据）", "topic": "nutrition", "audience": "elderly", "body": "测试正文。"}
MATTER = {"code": "first_step", "name": "测试事项一", "department": "测试部门", "promised_days": 3, "online_depth": 4}
BUNDLE = {
    "code": "test_bundle",
    "name": "测试一件事（测试数据）",
    "questions": [{"code": "has_child", "text": "是否有子女？", "type": "boolean"}],
    "matters": [
        MATTER,
        {**MATTER, "code": "second_step", "name": "测试事项二", "applies_when": {"has_child": True}},
    ],
}


@pytest.fixture
async def operator(app: FastAPI, session: AsyncSession) -> Headers:
    account = await new_staff(app, session, "operator", ("310104",))
    await session.commit()
    return bearer(app, account.id)


@pytest.fixture
async def admin(app: FastAPI, session: AsyncSession) -> Headers:
    account = await new_staff(app, session, "admin")
    await session.commit()
    return bearer(app, account.id)


async def created(client: httpx.AsyncClient, headers: Headers, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post(f"/v1/manage/{path}", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.headers["ETag"] == f'"{answer.json()["version"]}"'
    return answer.json()


async def patched(
    client: httpx.AsyncClient, headers: Headers, url: str, changes: dict[str, Any], version: int | None
) -> httpx.Response:
    if_match = {} if version is None else {"If-Match": f'"{version}"'}
    return await client.patch(url, json=changes, headers={**headers, **if_match, "Content-Type": MERGE})


async def sync_all(client: httpx.AsyncClient, since: str | None = None) -> tuple[list, list, str]:
    changed, deleted = [], []
    while True:
        answer = await client.get("/v1/sync", params={"limit": 100, **({"since": since} if since else {})})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        changed, deleted, since = changed + body["changed"], deleted + body["deleted"], body["next_since"]
        if not body["has_more"]:
            return changed, deleted, since


async def listed_event_ids(client: httpx.AsyncClient, **params: str) -> list[int]:
    answer = await client.get("/v1/events", params={"from": "2027-05-01", "to": "2027-05-01", **params})
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


async def searched_event_ids(client: httpx.AsyncClient, q: str) -> list[int]:
    answer = await client.get("/v1/search", params={"q": q})
    return [item["id"] for item in answer.json()["items"] if item["kind"] == "event"]


async def test_an_event_is_drafted_published_and_cancelled_and_residents_who_saved_it_read_that_it_is_off(
    client: httpx.AsyncClient, operator: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "SETTLE", timedelta(0))
    _, _, since = await sync_all(client)
    event = await created(client, operator, "events", TALK)
    url = f"/v1/manage/events/{event['id']}"
    assert (event["status"], event["version"], event["starts_at"]) == ("draft", 1, TALK["starts_at"])
    assert (await client.get(f"/v1/events/{event['id']}")).status_code == 404
    assert event["id"] not in await searched_event_ids(client, "测试社区讲座")

    read = await client.get(url, headers=operator)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    edit = await patched(client, operator, url, {"title": "测试社区讲座（改名）"}, 1)
    assert edit.status_code == 200 and edit.headers["ETag"] == '"2"', edit.text

    published = await client.post(f"{url}/publish", headers=operator)
    assert published.status_code == 200 and published.json()["status"] == "published"
    shown = (await client.get(f"/v1/events/{event['id']}")).json()
    assert (shown["title"], shown["status"]) == ("测试社区讲座（改名）", "published")
    assert event["id"] in await listed_event_ids(client)
    assert event["id"] in await searched_event_ids(client, "测试社区讲座")

    assert (await client.post(f"{url}/cancel", json={}, headers=operator)).status_code == 422
    assert (await client.post(f"{url}/cancel", headers=operator)).status_code == 422
    cancelled = await client.post(f"{url}/cancel", json={"reason": "场地维修，活动取消"}, headers=operator)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    detail = await client.get(f"/v1/events/{event['id']}")
    assert detail.status_code == 200 and detail.json()["status"] == "cancelled"
    assert event["id"] not in await listed_event_ids(client)
    assert event["id"] not in await searched_event_ids(client, "测试社区讲座")
    changed, deleted, since = await sync_all(client, since)
    assert [(item["kind"], item["id"], item["status"]) for item in changed] == [("event", event["id"], "cancelled")]
    assert deleted == []
    assert (await client.post(f"{url}/cancel", json={"reason": "again"}, headers=operator)).status_code == 409

    assert (await client.post(f"{url}/archive", headers=operator)).status_code == 200
    assert (await client.get(f"/v1/events/{event['id']}")).status_code == 404
    changed, deleted, _ = await sync_all(client, since)
    assert changed == [] and deleted == [{"kind": "event", "id": event["id"]}]


async def test_an_edit_needs_if_match_and_one_made_on_an_older_version_is_refused(
    client: httpx.AsyncClient, operator: Headers
) -> None:
    event = await created(client, operator, "events", TALK)
    url = f"/v1/manage/events/{event['id']}"
    missing = await patched(client, operator, url, {"title": "测试（无版本）"}, None)
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"
    assert (await patched(client, operator, url, {"title": "测试（第二版）"}, 1)).status_code == 200
    stale = await patched(client, operator, url, {"title": "测试（旧版本上改的）"}, 1)
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"
    assert stale.headers["ETag"] == '"2"'
    assert (await client.get(url, headers=operator)).json()["title"] == "测试（第二版）"


@pytest.fixture
async def live_operator(database: Database, live_app: FastAPI) -> AsyncIterator[Headers]:
    """An operator committed for real, removed afterwards with the events they made and those events' history."""
    async with database.sessionmaker() as session, session.begin():
        account = await new_staff(live_app, session, "operator", ("310104",))
    yield bearer(live_app, account.id)
    async with database.sessionmaker() as session, session.begin():
        event_ids = (
            await session.scalars(
                select(AuditEntry.object_id).where(AuditEntry.actor_id == account.id, AuditEntry.object_type == "event")
            )
        ).all()
        await session.execute(
            delete(ListingVersion).where(
                ListingVersion.object_type == "event", ListingVersion.object_key.in_(event_ids)
            )
        )
        await session.execute(delete(AuditEntry).where(AuditEntry.actor_id == account.id))
        await session.execute(delete(Event).where(Event.id.in_([int(i) for i in event_ids])))
        for event_id in event_ids:
            await session.execute(
                text("DELETE FROM search_content WHERE kind = 'event' AND key = :key"), {"key": event_id}
            )
        await session.execute(delete(UserAccount).where(UserAccount.id == account.id))


async def test_two_edits_made_on_the_same_version_at_once_one_is_taken_and_the_other_refused(
    live_app: FastAPI, database: Database, live_operator: Headers
) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        event = await created(client, live_operator, "events", TALK)
        url = f"/v1/manage/events/{event['id']}"
        with racing("content.if_match", parties=2):
            first, second = await all_answers(
                patched(client, live_operator, url, {"title": "测试（甲改）"}, 1),
                patched(client, live_operator, url, {"title": "测试（乙改）"}, 1),
            )
    assert sorted([first.status_code, second.status_code]) == [200, 412], (first.text, second.text)
    winner = first if first.status_code == 200 else second
    async with database.sessionmaker() as session:
        stored = await session.get(Event, event["id"])
        assert stored is not None and (stored.title, stored.version) == (winner.json()["title"], 2)
        kept = await session.scalar(
            select(func.count()).where(
                ListingVersion.object_type == "event", ListingVersion.object_key == str(event["id"])
            )
        )
        assert kept == 2


async def test_an_operator_neither_writes_nor_sees_events_outside_their_districts(
    client: httpx.AsyncClient, session: AsyncSession, operator: Headers, admin: Headers
) -> None:
    elsewhere = await client.post("/v1/manage/events", json={**TALK, "district": "310110"}, headers=operator)
    assert elsewhere.status_code == 403 and elsewhere.json()["code"] == "forbidden"
    citywide = await client.post("/v1/manage/events", json={**TALK, "district": None}, headers=operator)
    assert citywide.status_code == 403
    assert await session.scalar(select(func.count()).where(Event.title == TALK["title"])) == 0

    theirs = await created(client, admin, "events", {**TALK, "district": "310110"})
    url = f"/v1/manage/events/{theirs['id']}"
    assert (await client.get(url, headers=operator)).status_code == 404
    assert (await patched(client, operator, url, {"title": "测试（越界）"}, 1)).status_code == 404
    assert (await client.post(f"{url}/publish", headers=operator)).status_code == 404
    assert (await client.get(f"{url}/history", headers=operator)).status_code == 404
    mine = await created(client, operator, "events", TALK)
    moved = await patched(client, operator, f"/v1/manage/events/{mine['id']}", {"district": "310110"}, 1)
    assert moved.status_code == 403
    listed = await client.get("/v1/manage/events", params={"status": "draft", "limit": 100}, headers=operator)
    ids = [item["id"] for item in listed.json()["items"]]
    assert mine["id"] in ids and theirs["id"] not in ids
    other = await client.get("/v1/manage/events", params={"district": "310110"}, headers=operator)
    assert other.status_code == 403


async def test_the_history_names_each_changed_field_and_a_revert_makes_a_new_version(
    client: httpx.AsyncClient, session: AsyncSession, operator: Headers
) -> None:
    event = await created(client, operator, "events", TALK)
    url = f"/v1/manage/events/{event['id']}"
    later = {"starts_at": "2027-05-02T14:00:00+08:00", "ends_at": "2027-05-02T16:00:00+08:00"}
    assert (await patched(client, operator, url, later, 1)).status_code == 200
    assert (await client.post(f"{url}/publish", json={"reason": "已核实"}, headers=operator)).status_code == 200

    history = (await client.get(f"{url}/history", headers=operator)).json()["items"]
    assert [entry["version"] for entry in history] == [3, 2, 1]
    assert history[0]["changes"] == [{"field": "status", "old": "draft", "new": "published"}]
    assert history[0]["reason"] == "已核实" and history[0]["actor_username"].startswith("operator-")
    assert history[1]["changes"] == [
        {"field": "starts_at", "old": TALK["starts_at"], "new": later["starts_at"]},
        {"field": "ends_at", "old": TALK["ends_at"], "new": later["ends_at"]},
    ]
    assert history[1]["source"] == "manual"

    reverted = await client.post(f"{url}/revert", json={"version": 1, "reason": "改回原时间"}, headers=operator)
    assert reverted.status_code == 200, reverted.text
    body = reverted.json()
    assert (body["starts_at"], body["status"], body["version"]) == (TALK["starts_at"], "published", 4)
    latest = (await client.get(f"{url}/history", params={"limit": 1}, headers=operator)).json()["items"][0]
    assert (latest["source"], latest["source_ref"], latest["reason"]) == ("revert", 1, "改回原时间")
    assert [change["field"] for change in latest["changes"]] == ["starts_at", "ends_at"]
    assert (await client.post(f"{url}/revert", json={"version": 9}, headers=operator)).status_code == 404
    audited = await session.scalars(
        select(AuditEntry.action).where(AuditEntry.object_type == "event", AuditEntry.object_id == str(event["id"]))
    )
    assert sorted(audited.all()) == ["event.create", "event.edit", "event.edit", "event.publish"]


async def test_a_merge_patch_clears_with_null_merges_objects_and_writes_nothing_when_the_result_is_invalid(
    client: httpx.AsyncClient, operator: Headers
) -> None:
    event = await created(client, operator, "events", TALK)
    url = f"/v1/manage/events/{event['id']}"
    answer = await patched(
        client, operator, url, {"summary": None, "registration": {"url": "https://example.org/x"}}, 1
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["summary"] is None
    registration = body["registration"]
    assert (registration["required"], registration["note"], registration["url"]) == (
        True,
        "测试报名说明",
        "https://example.org/x",
    )

    for changes, field in (
        ({"title": None}, "title"),
        ({"ends_at": "2027-05-01T08:00:00+08:00"}, "ends_at"),
        ({"starts_at": "2027-05-01T09:00:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
        ({"category": "elder_care.meal_site"}, "category"),
        ({"status": "published"}, "status"),
    ):
        refused = await patched(client, operator, url, changes, 2)
        assert refused.status_code == 422, (changes, refused.text)
        assert ["body", field] in [error["loc"][:2] for error in refused.json()["errors"]], refused.text
    assert (await client.get(url, headers=operator)).json()["version"] == 2


async def test_an_edit_in_another_media_type_is_refused(client: httpx.AsyncClient, operator: Headers) -> None:
    event = await created(client, operator, "events", TALK)
    url = f"/v1/manage/events/{event['id']}"
    plain_json = await client.patch(url, json={"title": "测试"}, headers={**operator, "If-Match": '"1"'})
    assert plain_json.status_code == 415 and plain_json.json()["code"] == "unsupported_media_type"
    not_an_object = await client.patch(
        url, content=b"[1, 2]", headers={**operator, "If-Match": '"1"', "Content-Type": MERGE}
    )
    assert not_an_object.status_code == 422


async def test_an_event_venue_is_a_published_place_of_its_district(
    client: httpx.AsyncClient, session: AsyncSession, operator: Headers
) -> None:
    def venue_in(district: str) -> Any:
        return select(Place.id).where(Place.district_code == district, Place.status == "published").limit(1)

    here, there = await session.scalar(venue_in("310104")), await session.scalar(venue_in("310110"))
    far = await client.post("/v1/manage/events", json={**TALK, "venue_place_id": there}, headers=operator)
    assert far.status_code == 422 and far.json()["errors"][0]["type"] == "venue_elsewhere"
    event = await created(client, operator, "events", {**TALK, "address": None, "venue_place_id": here})
    assert (await client.post(f"/v1/manage/events/{event['id']}/publish", headers=operator)).status_code == 200
    nowhere = await created(client, operator, "events", {**TALK, "address": None})
    unplaced = await client.post(f"/v1/manage/events/{nowhere['id']}/publish", headers=operator)
    assert unplaced.status_code == 422 and unplaced.json()["errors"][0]["loc"] == ["body", "location"]


async def test_articles_and_bundles_are_written_by_admins_only(
    client: httpx.AsyncClient, operator: Headers, admin: Headers
) -> None:
    for path in ("articles", "bundles"):
        assert (await client.get(f"/v1/manage/{path}", headers=operator)).status_code == 403
        refused = await client.post(
            f"/v1/manage/{path}", json=ARTICLE if path == "articles" else BUNDLE, headers=operator
        )
        assert refused.status_code == 403
    seeded = (await client.get("/v1/bundles")).json()["items"][0]["code"]
    assert (await client.get(f"/v1/manage/bundles/{seeded}", headers=operator)).status_code == 403

    article = await created(client, admin, "articles", ARTICLE)
    assert article["published_at"] is None
    url = f"/v1/manage/articles/{article['id']}"
    published = (await client.post(f"{url}/publish", headers=admin)).json()
    assert published["published_at"] is not None
    assert (await client.get(f"/v1/articles/{article['id']}")).json()["title"] == ARTICLE["title"]
    edit = await patched(client, admin, url, {"expert": {"name": "测试专家", "title": "测试职称"}}, 2)
    assert edit.status_code == 200 and edit.json()["expert"]["name"] == "测试专家"
    expert_only_title = await patched(client, admin, url, {"expert": {"title": "主任医师"}}, 3)
    assert expert_only_title.json()["expert"] == {"name": "测试专家", "title": "主任医师", "organization": None}
    assert (await client.post(f"{url}/cancel", headers=admin)).status_code == 404


async def test_a_bundle_edit_replaces_its_matters_as_one_ordered_list(
    client: httpx.AsyncClient, admin: Headers
) -> None:
    bundle = await created(client, admin, "bundles", BUNDLE)
    assert [matter["code"] for matter in bundle["matters"]] == ["first_step", "second_step"]
    again = await client.post("/v1/manage/bundles", json=BUNDLE, headers=admin)
    assert again.status_code == 409
    url = "/v1/manage/bundles/test_bundle"
    unknown = await patched(client, admin, url, {"matters": [{**MATTER, "applies_when": {"has_pet": True}}]}, 1)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["type"] == "unknown_question"

    reordered = [BUNDLE["matters"][1], {**MATTER, "name": "测试事项一（改）"}]
    edit = await patched(client, admin, url, {"matters": reordered}, 1)
    assert edit.status_code == 200 and edit.headers["ETag"] == '"2"', edit.text
    assert (await client.post(f"{url}/publish", headers=admin)).status_code == 200
    public = (await client.get("/v1/bundles/test_bundle")).json()
    assert [(m["code"], m["name"]) for m in public["matters"]] == [
        ("second_step", "测试事项二"),
        ("first_step", "测试事项一（改）"),
    ]
    history = (await client.get(f"{url}/history", headers=admin)).json()["items"]
    assert [entry["version"] for entry in history] == [3, 2, 1]
    assert [change["field"] for change in history[1]["changes"]] == ["matters"]

    assert (await client.post(f"{url}/revert", json={"version": 1}, headers=admin)).status_code == 200
    public = (await client.get("/v1/bundles/test_bundle")).json()
    assert [m["code"] for m in public["matters"]] == ["first_step", "second_step"]
    searched = await client.get("/v1/search", params={"q": "测试一件事"})
    assert "test_bundle" in [item.get("code") for item in searched.json()["items"]]
    assert (await client.post(f"{url}/archive", headers=admin)).status_code == 200
    assert (await client.get("/v1/bundles/test_bundle")).status_code == 404


async def test_a_cancelled_sample_event_still_counts_as_sample_data_residents_read(session: AsyncSession) -> None:
    before = (await visible_sample_counts(session))["events"]
    event = (await session.scalars(select(Event).where(Event.is_sample, Event.status == "published").limit(1))).one()
    event.status = "cancelled"
    await session.flush()
    assert (await visible_sample_counts(session))["events"] == before
    await withdraw_samples(session)
    assert event.deleted_at is not None
