"""The feedback team's queue, assignment, replies, templates, likely duplicates and the audited phone reveal."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Principal
from api.feedback import triage
from models import AuditEntry, Feedback
from tests.feedback.conftest import complaint_about, place_in, submit


async def test_the_queue_filters_and_pages_with_phones_masked(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers("13912345678"), await staff_headers()
    xuhui, huangpu = (await place_in(session, "310104")).id, (await place_in(session, "310101")).id
    first = (
        await submit(client, resident, complaint_about(xuhui, title="灯坏了", body="路灯晚上不亮，走路很危险。"))
    ).json()
    second = (
        await submit(
            client,
            resident,
            complaint_about(huangpu, kind="praise", title="服务好", body="工作人员很热情，帮老人推轮椅。"),
        )
    ).json()
    await session.execute(
        update(Feedback).where(Feedback.id == first["id"]).values(due_at=datetime.now(UTC) - timedelta(hours=1))
    )
    await session.commit()

    async def queue(**params: str) -> list[int]:
        answer = await client.get("/v1/triage/feedback", params=params, headers=reviewer)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"] if item["id"] in (first["id"], second["id"])]

    assert await queue() == [first["id"], second["id"]]
    assert await queue(district="310101") == [second["id"]]
    assert await queue(kind="praise") == [second["id"]]
    assert await queue(overdue="true") == [first["id"]]
    assert await queue(q="路灯") == [first["id"]]
    assert await queue(q=second["ref"]) == [second["id"]]
    assert await queue(status="accepted") == []
    item = (await client.get("/v1/triage/feedback", params={"q": "路灯"}, headers=reviewer)).json()["items"][0]
    assert item["author_phone"] == "139****5678" and item["overdue"] is True

    page = (await client.get("/v1/triage/feedback", params={"limit": 1}, headers=reviewer)).json()
    following = (
        await client.get("/v1/triage/feedback", params={"limit": 1, "cursor": page["next_cursor"]}, headers=reviewer)
    ).json()
    assert following["items"][0]["id"] > page["items"][0]["id"]


async def test_assignment_and_the_my_queue(
    app,
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    me = (await client.get("/v1/me", headers=reviewer)).json()["id"]
    feedback_id = (await submit(client, resident, complaint_about((await place_in(session, "310104")).id))).json()["id"]
    assigned = await client.post(f"/v1/triage/feedback/{feedback_id}/assign", json={"user_id": me}, headers=reviewer)
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == me
    mine = (await client.get("/v1/triage/feedback", params={"assignee": "me"}, headers=reviewer)).json()["items"]
    assert [item["id"] for item in mine] == [feedback_id]
    resident_id = (await client.get("/v1/me", headers=resident)).json()["id"]
    not_team = await client.post(
        f"/v1/triage/feedback/{feedback_id}/assign", json={"user_id": resident_id}, headers=reviewer
    )
    assert not_team.status_code == 422


async def test_replies_notes_and_templates(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = (await submit(client, resident, complaint_about((await place_in(session, "310104")).id))).json()["id"]
    template = await client.post(
        "/v1/triage/templates",
        json={"name": "已转职能部门", "kind": "complaint", "body": "您反映的问题已转相关职能部门处理，请耐心等待。"},
        headers=reviewer,
    )
    assert template.status_code == 201
    duplicate_name = await client.post(
        "/v1/triage/templates", json={"name": "已转职能部门", "body": "另一条"}, headers=reviewer
    )
    assert duplicate_name.status_code == 409
    renamed = await client.patch(
        f"/v1/triage/templates/{template.json()['id']}", json={"name": "转办通知"}, headers=reviewer
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "转办通知"
    listed = (await client.get("/v1/triage/templates", params={"kind": "complaint"}, headers=reviewer)).json()
    assert "转办通知" in [item["name"] for item in listed]

    public = await client.post(
        f"/v1/triage/feedback/{feedback_id}/replies", json={"template_id": template.json()["id"]}, headers=reviewer
    )
    internal = await client.post(
        f"/v1/triage/feedback/{feedback_id}/replies",
        json={"message": "居民情绪激动，回访时注意语气", "public": False},
        headers=reviewer,
    )
    assert public.status_code == internal.status_code == 201
    mine = (await client.get(f"/v1/feedback/{feedback_id}", headers=resident)).json()
    assert [entry["action"] for entry in mine["history"]] == ["submitted", "reply"]
    assert "居民情绪激动" not in str(mine)
    inbox = (await client.get("/v1/me/notifications", headers=resident)).json()["items"]
    assert inbox[0]["kind"] == "reply" and "职能部门" in inbox[0]["body"]
    team_view = (await client.get(f"/v1/triage/feedback/{feedback_id}", headers=reviewer)).json()
    assert [entry["action"] for entry in team_view["history"]] == ["submitted", "reply", "note"]
    assert (await client.delete(f"/v1/triage/templates/{template.json()['id']}", headers=reviewer)).status_code == 204


async def test_revealing_a_phone_is_for_reviewers_and_is_audited(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer, admin = (
        await resident_headers("13811118888"),
        await staff_headers(),
        await staff_headers("admin"),
    )
    reviewer_id = (await client.get("/v1/me", headers=reviewer)).json()["id"]
    feedback_id = (await submit(client, resident, complaint_about((await place_in(session, "310104")).id))).json()["id"]
    detail = (await client.get(f"/v1/triage/feedback/{feedback_id}", headers=reviewer)).json()
    assert detail["author_phone"] == "138****8888"
    no_reason = await client.post(f"/v1/triage/feedback/{feedback_id}/reveal-phone", json={}, headers=reviewer)
    assert no_reason.status_code == 422
    revealed = await client.post(
        f"/v1/triage/feedback/{feedback_id}/reveal-phone", json={"reason": "需电话回访核实具体位置"}, headers=reviewer
    )
    assert revealed.status_code == 200 and revealed.json() == {"phone": "13811118888"}
    by_admin = await client.post(
        f"/v1/triage/feedback/{feedback_id}/reveal-phone", json={"reason": "想看看"}, headers=admin
    )
    assert by_admin.status_code == 403
    entry = (await session.execute(select(AuditEntry).where(AuditEntry.action == "feedback.reveal_phone"))).scalar_one()
    assert (entry.actor_id, entry.object_id, entry.reason) == (reviewer_id, str(feedback_id), "需电话回访核实具体位置")
    assert entry.created_at is not None


async def test_likely_duplicates_and_marking_one(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    alice, bob, reviewer = (
        await resident_headers("13900000011"),
        await resident_headers("13900000012"),
        await staff_headers(),
    )
    place = await place_in(session, "310104")
    place_id, lat, lng = place.id, place.lat, place.lng
    original = (await submit(client, alice, complaint_about(place_id))).json()
    same_place = (
        await submit(
            client, bob, complaint_about(place_id, title="厕所没纸", body="公园东门公厕没有手纸，洗手液也没有了。")
        )
    ).json()
    nearby_point = (
        await submit(
            client,
            bob,
            {
                "kind": "complaint",
                "location": {"lat": lat + 0.0005, "lng": lng},
                "title": "公厕缺手纸",
                "body": "东门公厕一直没有手纸，洗手液也用完了。",
            },
        )
    ).json()
    unrelated = (
        await submit(
            client, bob, complaint_about(place_id, title="停车收费太贵", body="周末停车一小时二十元，希望降价。")
        )
    ).json()

    found = (await client.get(f"/v1/triage/feedback/{original['id']}/duplicates", headers=reviewer)).json()
    ids = [item["id"] for item in found]
    assert same_place["id"] in ids and nearby_point["id"] in ids and unrelated["id"] not in ids
    near = next(item for item in found if item["id"] == nearby_point["id"])
    assert 40 < near["distance_m"] < 70 and near["same_target"] is False

    marked = await client.post(
        f"/v1/triage/feedback/{same_place['id']}/transition",
        json={"to": "duplicate", "duplicate_of": original["id"]},
        headers=reviewer,
    )
    assert marked.status_code == 200 and marked.json()["duplicate_of"] == original["ref"]
    chained = await client.post(
        f"/v1/triage/feedback/{nearby_point['id']}/transition",
        json={"to": "duplicate", "duplicate_of": same_place["id"]},
        headers=reviewer,
    )
    assert chained.json()["duplicate_of"] == original["ref"]  # linked to the root, never a chain
    inbox = (await client.get("/v1/me/notifications", headers=bob)).json()["items"]
    assert inbox[0]["kind"] == "duplicate" and original["ref"] in inbox[0]["body"]
    no_link = await client.post(
        f"/v1/triage/feedback/{unrelated['id']}/transition", json={"to": "duplicate"}, headers=reviewer
    )
    assert no_link.status_code == 422


async def test_the_worklist_puts_the_overdue_first_then_the_nearest_deadlines_and_counts_by_status(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer_headers = await resident_headers("13912340055"), await staff_headers()
    reviewer = Principal((await client.get("/v1/me", headers=reviewer_headers)).json()["id"], "reviewer", frozenset())
    place_id = (await place_in(session, "310112")).id
    ids = [(await submit(client, resident, complaint_about(place_id, title=f"排序{n}"))).json()["id"] for n in range(4)]
    now = datetime.now(UTC)
    due = {
        ids[0]: now + timedelta(days=3),
        ids[1]: now - timedelta(days=1),  # overdue
        ids[2]: now + timedelta(days=1),
        ids[3]: now - timedelta(days=2),  # past its deadline but resolved: not overdue, ordered by its deadline
    }
    for feedback_id, due_at in due.items():
        await session.execute(update(Feedback).where(Feedback.id == feedback_id).values(due_at=due_at))
    await session.execute(update(Feedback).where(Feedback.id == ids[3]).values(status="resolved"))
    await session.commit()
    words = triage.QueueFilter(q="排序", district="310112")

    first, cursor = await triage.worklist(session, reviewer, words, limit=2, cursor=None)
    rest, end = await triage.worklist(session, reviewer, words, limit=2, cursor=cursor)
    assert [item.id for item in first + rest] == [ids[1], ids[3], ids[2], ids[0]]
    assert end is None
    opened, _ = await triage.worklist(session, reviewer, replace(words, open_only=True), limit=10, cursor=None)
    assert [item.id for item in opened] == [ids[1], ids[2], ids[0]]
    # The status filter does not narrow the counts: they are what each status would show.
    counts = await triage.status_counts(session, reviewer, replace(words, status="resolved"))
    assert counts == {"submitted": 3, "resolved": 1}
