"""Residents' corrections as operators work them, end to end through HTTP: a resident reports that a listing is
wrong, the operator of its district sees the current value beside the suggestion, applies it (as suggested or
edited) or declines it, and the resident reads the reply in the feedback's history and in their inbox."""

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation import versions
from models import AuditEntry, Feedback, ListingVersion, Place, UserAccount
from tests.accounts.conftest import bearer, new_staff
from tests.feedback.conftest import Headers, complaint_about, move, place_in, submit

HOURS = {"weekly": [{"days": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:00"}], "on_holidays": "closed"}


@pytest.fixture
async def resident(app: FastAPI, session: AsyncSession) -> Headers:
    now = datetime.now(UTC)
    account = UserAccount(role="resident", phone="13912340000", created_at=now, updated_at=now)
    session.add(account)
    await session.commit()
    return bearer(app, account.id)


@pytest.fixture
async def operator(app: FastAPI, session: AsyncSession) -> Headers:
    """An operator of 徐汇区 (310104)."""
    account = await new_staff(app, session, "operator", ("310104",))
    await session.commit()
    return bearer(app, account.id)


@pytest.fixture
async def place(session: AsyncSession) -> Place:
    return await place_in(session, "310104")


async def correct(client: httpx.AsyncClient, resident: Headers, place_id: int, field: str, suggested: str) -> dict:
    body = complaint_about(
        place_id,
        kind="correction",
        title="信息有误",
        body="这条信息和现场不一致，请核实更新。",
        correction={"field": field, "suggested_value": suggested},
    )
    answer = await submit(client, resident, body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def listed(client: httpx.AsyncClient, operator: Headers) -> dict[int, dict]:
    answer = await client.get("/v1/manage/corrections", params={"limit": 100}, headers=operator)
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


async def stored(session: AsyncSession, place_id: int) -> Place:
    """The listing as the requests left it (a refused request rolls back, and leaves what was loaded expired)."""
    place = await session.get(Place, place_id, populate_existing=True)
    assert place is not None
    return place


async def correction_versions(session: AsyncSession, place_id: int) -> list[ListingVersion]:
    page, _ = await versions.history(session, kind="place", key=place_id, limit=100, cursor=None)
    return [version for version in page if version.source == "correction"]


async def test_a_suggested_name_is_listed_beside_the_current_one_applied_and_told_to_the_resident(
    client: httpx.AsyncClient, session: AsyncSession, resident: Headers, operator: Headers, place: Place
) -> None:
    place_id = place.id
    old_name, old_version = place.name, place.version
    new_name = "测试更正名称（测试数据）"
    feedback = await correct(client, resident, place_id, "name", f"  {new_name} ")

    item = (await listed(client, operator))[feedback["id"]]
    assert item["ref"] == feedback["ref"] and item["field"] == "name"
    assert item["listing"] == {"id": place_id, "name": old_name, "status": "published", "version": old_version}
    assert item["current_value"] == old_name and item["suggested_value"] == new_name
    assert item["proposal"] == new_name and item["proposal_problem"] is None
    assert item["due_at"] and item["received_at"].endswith("+08:00")

    answer = await client.post(
        f"/v1/manage/corrections/{feedback['id']}/apply",
        json={"reply": "感谢指正，名称已更新。", "reason": "现场核实"},
        headers=operator,
    )
    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert outcome["status"] == "resolved" and outcome["changed"] is True and outcome["value"] == new_name
    assert outcome["listing"]["version"] > old_version

    [version] = await correction_versions(session, place_id)
    assert (version.source_ref, version.reason) == (feedback["id"], "现场核实")
    assert version.changes == [{"field": "name", "old": old_name, "new": new_name}]
    detail = await client.get(f"/v1/places/{place_id}")
    assert detail.json()["name"] == new_name

    # The resident reads the reply in the public history and in the inbox; the steps to resolved are in the history.
    mine = (await client.get(f"/v1/feedback/{feedback['id']}", headers=resident)).json()
    assert mine["status"] == "resolved"
    moves = [(entry["to_status"], entry["message"]) for entry in mine["history"] if entry["action"] == "status"]
    assert moves == [("accepted", None), ("in_progress", None), ("resolved", "感谢指正，名称已更新。")]
    inbox = (await client.get("/v1/me/notifications", headers=resident)).json()["items"]
    assert [(entry["kind"], entry["body"]) for entry in inbox] == [("status", "感谢指正，名称已更新。")]
    assert feedback["ref"] in inbox[0]["title"]

    assert feedback["id"] not in await listed(client, operator)
    audited = await session.scalar(
        select(func.count()).where(AuditEntry.action == "correction.apply", AuditEntry.object_id == str(feedback["id"]))
    )
    assert audited == 1


async def test_a_suggestion_that_cannot_be_used_as_it_is_needs_the_operators_value(
    client: httpx.AsyncClient, session: AsyncSession, resident: Headers, operator: Headers, place: Place
) -> None:
    place_id = place.id
    current_hours = place.opening_hours
    capacity = await correct(client, resident, place_id, "capacity", "大概一百二十个座位")
    hours = await correct(client, resident, place_id, "opening_hours", "工作日 08:30-17:00")
    found = await listed(client, operator)
    assert found[capacity["id"]]["proposal"] is None and "whole number" in found[capacity["id"]]["proposal_problem"]
    assert found[hours["id"]]["current_value"] == current_hours and found[hours["id"]]["proposal"] is None

    refused = await client.post(
        f"/v1/manage/corrections/{capacity['id']}/apply", json={"reply": "已更新。"}, headers=operator
    )
    assert refused.status_code == 422 and refused.json()["code"] == "correction_not_applicable"
    assert "send the value" in refused.json()["detail"]
    # A value that does not fit the field is refused as such, and nothing is written.
    invalid = await client.post(
        f"/v1/manage/corrections/{capacity['id']}/apply", json={"value": -3, "reply": "已更新。"}, headers=operator
    )
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["loc"][:2] == ["body", "value"]
    assert (await session.get(Feedback, capacity["id"])).status == "submitted"
    assert await correction_versions(session, place_id) == []

    edited = await client.post(
        f"/v1/manage/corrections/{capacity['id']}/apply",
        json={"value": 120, "reply": "已更新为 120 个座位。"},
        headers=operator,
    )
    assert edited.status_code == 200 and edited.json()["value"] == 120
    assert (await stored(session, place_id)).capacity == 120
    structured = await client.post(
        f"/v1/manage/corrections/{hours['id']}/apply",
        json={"value": HOURS, "reply": "开放时间已更新。"},
        headers=operator,
    )
    assert structured.status_code == 200, structured.text
    assert (await client.get(f"/v1/places/{place_id}")).json()["opening_hours"]["weekly"] == HOURS["weekly"]
    assert [v.source_ref for v in await correction_versions(session, place_id)] == [hours["id"], capacity["id"]]


async def test_a_value_the_listing_already_has_resolves_the_correction_without_a_version(
    client: httpx.AsyncClient, session: AsyncSession, resident: Headers, operator: Headers, place: Place
) -> None:
    place_id = place.id
    version, name = place.version, place.name
    feedback = await correct(client, resident, place_id, "name", name)
    answer = await client.post(
        f"/v1/manage/corrections/{feedback['id']}/apply", json={"reply": "名称与现场一致。"}, headers=operator
    )
    assert answer.status_code == 200 and answer.json()["changed"] is False
    assert answer.json()["listing"]["version"] == version and answer.json()["status"] == "resolved"
    assert await correction_versions(session, place_id) == []


async def test_a_declined_correction_is_resolved_with_the_reply_and_the_listing_stays(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident: Headers,
    operator: Headers,
    place: Place,
) -> None:
    place_id = place.id
    version, website = place.version, place.website
    feedback = await correct(client, resident, place_id, "website", "https://example.org/wrong")
    # Taken up by the feedback team first: the operator settles it from where it stands.
    reviewer = bearer(app, (await new_staff(app, session, "reviewer")).id)
    await session.commit()
    assert (await move(client, reviewer, feedback["id"], "accepted")).status_code == 200

    answer = await client.post(
        f"/v1/manage/corrections/{feedback['id']}/decline",
        json={"reason": "已与站点核实", "reply": "经核实，目前公布的信息是正确的。"},
        headers=operator,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] is False and answer.json()["value"] == website
    assert (await stored(session, place_id)).version == version and await correction_versions(session, place_id) == []
    mine = (await client.get(f"/v1/feedback/{feedback['id']}", headers=resident)).json()
    assert mine["status"] == "resolved"
    assert mine["history"][-1]["message"] == "经核实，目前公布的信息是正确的。"
    # The reason is the team's own: audited and an internal note, never shown to the resident.
    assert all(entry["message"] != "已与站点核实" for entry in mine["history"])
    reason = await session.scalar(
        select(AuditEntry.reason).where(
            AuditEntry.action == "correction.decline", AuditEntry.object_id == str(feedback["id"])
        )
    )
    assert reason == "已与站点核实"
    inbox = (await client.get("/v1/me/notifications", headers=resident)).json()["items"]
    assert inbox[0]["body"] == "经核实，目前公布的信息是正确的。"


async def test_a_settled_correction_cannot_be_settled_again(
    client: httpx.AsyncClient, session: AsyncSession, resident: Headers, operator: Headers, place: Place
) -> None:
    place_id = place.id
    feedback = await correct(client, resident, place_id, "name", "测试更正名称（测试数据）")
    url = f"/v1/manage/corrections/{feedback['id']}"
    assert (await client.post(f"{url}/apply", json={"reply": "已更新。"}, headers=operator)).status_code == 200
    version = (await stored(session, place_id)).version
    again = await client.post(f"{url}/apply", json={"value": "测试又一名称", "reply": "已更新。"}, headers=operator)
    declined = await client.post(f"{url}/decline", json={"reason": "x", "reply": "y"}, headers=operator)
    for answer in (again, declined):
        assert answer.status_code == 409 and answer.json()["code"] == "correction_closed"
    assert (await stored(session, place_id)).version == version and len(
        await correction_versions(session, place_id)
    ) == 1


async def test_corrections_outside_the_operators_districts_are_not_theirs(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident: Headers,
    operator: Headers,
) -> None:
    elsewhere = await place_in(session, "310110")
    elsewhere_id, name, version = elsewhere.id, elsewhere.name, elsewhere.version
    feedback = await correct(client, resident, elsewhere_id, "name", "测试更正名称（测试数据）")
    complaint = (await submit(client, resident, complaint_about(elsewhere_id))).json()
    ours = (await submit(client, resident, complaint_about((await place_in(session, "310104")).id))).json()

    assert feedback["id"] not in await listed(client, operator)
    for feedback_id in (feedback["id"], complaint["id"], ours["id"]):
        for action, body in (("apply", {"reply": "已更新。"}), ("decline", {"reason": "x", "reply": "y"})):
            answer = await client.post(f"/v1/manage/corrections/{feedback_id}/{action}", json=body, headers=operator)
            assert answer.status_code == 404, (feedback_id, action, answer.text)
    assert (await session.get(Feedback, feedback["id"])).status == "submitted"
    elsewhere = await stored(session, elsewhere_id)
    assert (elsewhere.name, elsewhere.version) == (name, version)
    assert await session.scalar(select(func.count()).where(AuditEntry.object_type == "feedback")) == 0

    # An operator granted that district, and any admin, see it.
    theirs = bearer(app, (await new_staff(app, session, "operator", ("310110",))).id)
    admin = bearer(app, (await new_staff(app, session, "admin")).id)
    await session.commit()
    assert feedback["id"] in await listed(client, theirs) and feedback["id"] in await listed(client, admin)
    # Residents and the feedback team do not work corrections here.
    reviewer = bearer(app, (await new_staff(app, session, "reviewer")).id)
    await session.commit()
    assert (await client.get("/v1/manage/corrections", headers=reviewer)).status_code == 403
    assert (await client.get("/v1/manage/corrections", headers=resident)).status_code == 403


async def test_the_list_pages_the_soonest_due_first(
    client: httpx.AsyncClient, resident: Headers, operator: Headers, place: Place
) -> None:
    place_id = place.id
    sent = [(await correct(client, resident, place_id, "name", f"测试名称{n}（测试数据）"))["id"] for n in range(3)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/v1/manage/corrections", params=params, headers=operator)).json()
        seen += [(item["due_at"], item["id"]) for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen))
    assert set(sent) <= {feedback_id for _, feedback_id in seen}
    bad = await client.get("/v1/manage/corrections", params={"cursor": "not-a-cursor"}, headers=operator)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_cursor"


async def test_each_suggestion_is_read_as_a_value_of_its_field_where_it_can_be(
    client: httpx.AsyncClient, resident: Headers, operator: Headers, place: Place
) -> None:
    place_id = place.id
    # Numbers no phone can ring (no area code starts with 00).
    suggestions = {
        "phones": ("000-0000；000-0001、 000-0002", ["000-0000", "000-0001", "000-0002"]),
        "accessibility": ("wheelchair，elevator", ["wheelchair", "elevator"]),
        "category": ("老年助餐场所", "elder_care.meal_site"),
        "capacity": ("１２０", 120),
        "location": ("31.2, 121.4", None),
        "website": ("example.org", None),
        "opening_hours": (
            "Mo-Fr 08:30-17:00; PH off",
            {
                "weekly": [{"days": [1, 2, 3, 4, 5], "opens": "08:30", "closes": "17:00"}],
                "exceptions": [],
                "on_holidays": "closed",
            },
        ),
    }
    sent = {field: await correct(client, resident, place_id, field, text) for field, (text, _) in suggestions.items()}
    found = await listed(client, operator)
    for field, (_, expected) in suggestions.items():
        item = found[sent[field]["id"]]
        assert item["proposal"] == expected, (field, item)
        assert (item["proposal_problem"] is None) == (expected is not None), (field, item)
