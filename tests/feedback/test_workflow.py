"""The feedback workflow end to end: the team moves it, the resident follows, rates or reopens it."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback import workflow
from models import Feedback
from tests.feedback.conftest import complaint_about, move, place_in, resolve, submit


async def _new(client: httpx.AsyncClient, session: AsyncSession, resident: dict) -> int:
    place_id = (await place_in(session, "310104")).id
    return (await submit(client, resident, complaint_about(place_id))).json()["id"]


async def test_from_submission_to_closure_with_notices_at_every_public_step(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = await _new(client, session, resident)
    assert (await move(client, reviewer, feedback_id, "accepted")).status_code == 200
    note = await move(client, reviewer, feedback_id, "in_progress", note="已派徐汇区绿化市容局核查")
    assert note.json()["history"][-1] == {**note.json()["history"][-1], "action": "note", "public": False}
    resolved = await move(
        client, reviewer, feedback_id, "resolved", public_reply="已补充手纸和洗手液，并增加巡查频次。"
    )
    assert resolved.status_code == 200 and resolved.json()["resolved_at"] is not None

    mine = (await client.get(f"/v1/feedback/{feedback_id}", headers=resident)).json()
    assert mine["status"] == "resolved"
    assert [entry["to_status"] for entry in mine["history"]] == ["submitted", "accepted", "in_progress", "resolved"]
    assert all(entry["public"] for entry in mine["history"])  # the internal note is not shown
    assert "已派徐汇区绿化市容局核查" not in str(mine)

    inbox = (await client.get("/v1/me/notifications", headers=resident)).json()["items"]
    assert [item["kind"] for item in inbox] == ["status", "status", "status"]
    assert "已补充手纸" in inbox[0]["body"] and all(not item["read"] for item in inbox)
    assert (await client.post(f"/v1/me/notifications/{inbox[0]['id']}/read", headers=resident)).status_code == 204
    unread = (await client.get("/v1/me/notifications", params={"unread": "true"}, headers=resident)).json()
    assert len(unread["items"]) == 2
    assert (await client.post("/v1/me/notifications/read", headers=resident)).status_code == 204
    assert (await client.get("/v1/me/notifications", params={"unread": "true"}, headers=resident)).json()["items"] == []

    rated = await client.post(
        f"/v1/feedback/{feedback_id}/rating", json={"score": 5, "comment": "很快"}, headers=resident
    )
    assert rated.status_code == 200 and rated.json()["status"] == "closed" and rated.json()["rating"] == 5
    twice = await client.post(f"/v1/feedback/{feedback_id}/rating", json={"score": 1}, headers=resident)
    assert twice.status_code == 409


async def test_a_reviewer_cannot_skip_states_or_resolve_without_a_reply(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = await _new(client, session, resident)
    for target in ("in_progress", "resolved", "closed", "reopened", "submitted"):
        answer = await move(client, reviewer, feedback_id, target, public_reply="跳过流程")
        assert answer.status_code == 409 and answer.json()["code"] == "invalid_transition", target
    assert (await move(client, reviewer, feedback_id, "rejected")).status_code == 422  # needs a public reason
    await move(client, reviewer, feedback_id, "accepted")
    await move(client, reviewer, feedback_id, "in_progress")
    assert (await move(client, reviewer, feedback_id, "resolved")).status_code == 422
    assert (await client.get(f"/v1/feedback/{feedback_id}", headers=resident)).json()["status"] == "in_progress"
    early = await client.post(f"/v1/feedback/{feedback_id}/rating", json={"score": 4}, headers=resident)
    assert early.status_code == 409 and early.json()["code"] == "invalid_transition"


async def test_rejection_tells_the_resident_why(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = await _new(client, session, resident)
    rejected = await move(
        client, reviewer, feedback_id, "rejected", public_reply="该场所不属于公共服务设施，已转12345热线。"
    )
    assert rejected.status_code == 200
    inbox = (await client.get("/v1/me/notifications", headers=resident)).json()["items"]
    assert "12345" in inbox[0]["body"]
    assert (await move(client, reviewer, feedback_id, "accepted")).status_code == 409  # rejected is final


async def test_reopening_within_seven_days_restarts_the_work_with_a_new_deadline(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = await _new(client, session, resident)
    await resolve(client, reviewer, feedback_id)
    reopened = await client.post(
        f"/v1/feedback/{feedback_id}/reopen", json={"reason": "还是没有手纸"}, headers=resident
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    old_due = reopened.json()["due_at"]
    await session.execute(
        update(Feedback).where(Feedback.id == feedback_id).values(due_at=datetime.now(UTC) - timedelta(days=1))
    )
    await session.commit()
    again = await move(client, reviewer, feedback_id, "in_progress")
    assert again.status_code == 200 and again.json()["overdue"] is False
    # Reopened at once, the fresh deadline is the same number of working days from today as the first one.
    assert again.json()["due_at"] == old_due
    assert datetime.fromisoformat(again.json()["due_at"]) > datetime.now(UTC) + timedelta(days=4)


async def test_reopening_after_seven_days_is_refused_and_such_feedback_closes_itself(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = await _new(client, session, resident)
    await resolve(client, reviewer, feedback_id)
    await session.execute(
        update(Feedback).where(Feedback.id == feedback_id).values(resolved_at=datetime.now(UTC) - timedelta(days=8))
    )
    await session.commit()
    late = await client.post(f"/v1/feedback/{feedback_id}/reopen", json={"reason": "又坏了"}, headers=resident)
    assert late.status_code == 409 and late.json()["code"] == "invalid_transition"
    assert await workflow.close_unrated(session) >= 1
    await session.commit()
    closed = (await client.get(f"/v1/feedback/{feedback_id}", headers=resident)).json()
    assert closed["status"] == "closed" and closed["history"][-1]["by"] == "system"


async def test_one_resident_cannot_read_rate_reopen_or_add_to_anothers_feedback(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    alice, bob, reviewer = (
        await resident_headers("13900000001"),
        await resident_headers("13900000002"),
        await staff_headers(),
    )
    feedback_id = await _new(client, session, alice)
    await resolve(client, reviewer, feedback_id)
    attempts = [
        await client.get(f"/v1/feedback/{feedback_id}", headers=bob),
        await client.post(f"/v1/feedback/{feedback_id}/rating", json={"score": 1}, headers=bob),
        await client.post(f"/v1/feedback/{feedback_id}/reopen", json={"reason": "捣乱"}, headers=bob),
        await client.post(
            f"/v1/feedback/{feedback_id}/photos", files={"file": ("a.png", b"x", "image/png")}, headers=bob
        ),
        await client.get(f"/v1/feedback/{feedback_id}/photos/1", headers=bob),
    ]
    assert [answer.status_code for answer in attempts] == [404] * 5
    assert (await client.get("/v1/me/feedback", headers=bob)).json()["items"] == []
    mine = (await client.get("/v1/me/feedback", headers=alice)).json()["items"]
    assert [item["id"] for item in mine] == [feedback_id]
    assert (await client.get(f"/v1/feedback/{feedback_id}", headers=alice)).json()["status"] == "resolved"
