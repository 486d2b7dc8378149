"""Bad input to the feedback and triage endpoints is a 4xx naming what is wrong, never a server error, and
changes nothing: numbers no id can reach, and template changes that would break a template."""

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Feedback, FeedbackEvent, ResponseTemplate
from tests.feedback.conftest import complaint_about, place_in, submit

# Past PostgreSQL's integer, past a signed 64-bit integer (SQLite's), past an unsigned one (orjson's).
OVERSIZED = (2**31, 2**63, 2**64)


@pytest.mark.parametrize("number", OVERSIZED)
async def test_a_target_id_no_listing_can_have_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, resident_headers, number: int
) -> None:
    resident = await resident_headers()
    place_id = (await place_in(session, "310104")).id
    before = await session.scalar(select(func.count()).select_from(Feedback))

    answer = await submit(client, resident, complaint_about(place_id, target={"kind": "place", "id": number}))

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_failed"
    assert any(error["loc"][:3] == ["body", "target", "id"] for error in answer.json()["errors"])
    assert await session.scalar(select(func.count()).select_from(Feedback)) == before


@pytest.mark.parametrize("number", OVERSIZED)
@pytest.mark.parametrize(
    ("route", "field", "extra"),
    [
        ("assign", "user_id", {}),
        ("transition", "duplicate_of", {"to": "duplicate"}),
        ("replies", "template_id", {}),
    ],
)
async def test_the_team_naming_an_id_no_row_can_have_is_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,
    route: str,
    field: str,
    extra: dict,
    number: int,
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    feedback_id = (await submit(client, resident, complaint_about((await place_in(session, "310104")).id))).json()["id"]

    answer = await client.post(
        f"/v1/triage/feedback/{feedback_id}/{route}", json={**extra, field: number}, headers=reviewer
    )

    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "validation_failed"
    assert [error["loc"] for error in answer.json()["errors"]] == [["body", field]]
    feedback = await session.get(Feedback, feedback_id)
    await session.refresh(feedback)
    assert (feedback.status, feedback.assignee_id, feedback.duplicate_of_id) == ("submitted", None, None)
    events = await session.scalar(select(func.count()).where(FeedbackEvent.feedback_id == feedback_id))
    assert events == 1  # the submission only


@pytest.mark.parametrize("assignee", ["2147483648", "9999999999"])
async def test_the_queue_of_an_assignee_no_account_can_be_is_empty(
    client: httpx.AsyncClient, session: AsyncSession, resident_headers, staff_headers, assignee: str
) -> None:
    resident, reviewer = await resident_headers(), await staff_headers()
    await submit(client, resident, complaint_about((await place_in(session, "310104")).id))

    answer = await client.get("/v1/triage/feedback", params={"assignee": assignee}, headers=reviewer)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"items": [], "next_cursor": None}


async def _two_templates(client: httpx.AsyncClient, reviewer: dict) -> list[dict]:
    made = []
    for name in ("已受理", "已办结"):
        answer = await client.post(
            "/v1/triage/templates", json={"name": name, "body": f"您的反馈{name}。"}, headers=reviewer
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    return made


@pytest.mark.parametrize("field", ["name", "body"])
async def test_a_template_name_or_body_cannot_be_set_to_null(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers, field: str
) -> None:
    reviewer = await staff_headers()
    template = (await _two_templates(client, reviewer))[0]

    answer = await client.patch(f"/v1/triage/templates/{template['id']}", json={field: None}, headers=reviewer)

    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "validation_failed"
    assert [error["loc"] for error in answer.json()["errors"]] == [["body", field]]
    listed = (await client.get("/v1/triage/templates", headers=reviewer)).json()
    assert {(item["name"], item["body"]) for item in listed} == {
        ("已受理", "您的反馈已受理。"),
        ("已办结", "您的反馈已办结。"),
    }


async def test_renaming_a_template_to_a_taken_name_is_a_conflict(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:
    reviewer = await staff_headers()
    accepted, resolved = await _two_templates(client, reviewer)

    answer = await client.patch(
        f"/v1/triage/templates/{resolved['id']}", json={"name": "已受理", "body": "改过的正文"}, headers=reviewer
    )

    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "template_name_taken"
    assert "已受理" in answer.json()["detail"]
    stored = (await session.execute(select(ResponseTemplate.name, ResponseTemplate.body))).all()
    assert sorted(stored) == [("已办结", "您的反馈已办结。"), ("已受理", "您的反馈已受理。")]
    # The team goes on working: the template keeps its name and can still be renamed to a free one.
    renamed = await client.patch(f"/v1/triage/templates/{resolved['id']}", json={"name": "办结"}, headers=reviewer)
    assert renamed.status_code == 200 and renamed.json()["name"] == "办结"
