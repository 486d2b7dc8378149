"""Every time in every answer is ISO 8601 in Shanghai time (`+08:00`), as the README promises: the directory's,
the residents', the feedback team's, the operators' and the admins' answers alike."""

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Place
from tests.feedback.conftest import complaint_about, move, place_in, submit

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def timestamps(value: Any, where: str = "") -> list[tuple[str, str]]:
    """(where, text) of every date-time in a JSON answer, however deep."""
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in timestamps(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in timestamps(item, f"{where}[{index}]")]
    if isinstance(value, str) and TIMESTAMP.match(value):
        return [(where, value)]
    return []


@pytest.fixture
async def answers(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> dict[str, Any]:
    """One answer of every endpoint that gives times, after a feedback went through the team's hands."""
    resident = await resident_headers()
    reviewer, admin, operator = [await staff_headers(role) for role in ("reviewer", "admin", "operator")]
    place = await place_in(session, "310104", "transport.parking")  # one with live figures
    calls: dict[str, Any] = {}

    async def call(name: str, method: str, url: str, headers: dict[str, str], **options: Any) -> Any:
        response = await client.request(method, url, headers=headers, **options)
        assert response.status_code < 300, (name, response.status_code, response.text)
        calls[name] = response.json()
        return calls[name]

    submitted = (await submit(client, resident, complaint_about(place.id))).json()
    calls["submit feedback"] = submitted
    feedback = submitted["id"]
    assert (await move(client, reviewer, feedback, "accepted")).status_code == 200
    await call("reply", "POST", f"/v1/triage/feedback/{feedback}/replies", reviewer, json={"message": "已转交。"})
    # An entry for the audit trail, which has no time of its own to answer.
    revealed = await client.post(
        f"/v1/triage/feedback/{feedback}/reveal-phone", json={"reason": "需要回访核实情况"}, headers=reviewer
    )
    assert revealed.status_code == 200
    template = await call(
        "create template", "POST", "/v1/triage/templates", reviewer, json={"name": "已补充", "body": "已补充用品。"}
    )
    await call("update template", "PATCH", f"/v1/triage/templates/{template['id']}", reviewer, json={"body": "已补。"})
    await call("templates", "GET", "/v1/triage/templates", reviewer)
    await call("triage queue", "GET", "/v1/triage/feedback", reviewer)
    await call("triage detail", "GET", f"/v1/triage/feedback/{feedback}", reviewer)
    await call("my feedback", "GET", f"/v1/feedback/{feedback}", resident)
    await call("my feedback list", "GET", "/v1/me/feedback", resident)
    await call("my notifications", "GET", "/v1/me/notifications", resident)
    await call("me", "GET", "/v1/me", resident)
    await call("staff me", "GET", "/v1/me", admin)
    await call("staff list", "GET", "/v1/admin/users", admin)
    staff_id = calls["staff list"]["items"][0]["id"]
    await call("staff detail", "GET", f"/v1/admin/users/{staff_id}", admin)
    await call("audit", "GET", "/v1/admin/audit", admin)
    await call("managed place", "GET", f"/v1/manage/places/{place.id}", operator)
    await call("availability", "PUT", f"/v1/manage/places/{place.id}/availability", operator, json={"available": 3})
    await call("place", "GET", f"/v1/places/{place.id}", {})
    await call("events", "GET", "/v1/events", {}, params={"from": "2026-01-01"})
    await call("articles", "GET", "/v1/articles", {})
    await call("search", "GET", "/v1/search", {}, params={"q": "马拉松", "kinds": "event"})
    # The sync withholds a change for its first seconds (api/directory/sync.py): the figures written above are
    # dated back, as if sent a minute ago, so that the sync lists the listing with its live figures' time.
    await session.execute(
        update(Place).where(Place.id == place.id).values(updated_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    pages, since = [], None
    while True:
        page = await call("sync", "GET", "/v1/sync", {}, params={"limit": 500} | ({"since": since} if since else {}))
        pages.append(page)
        if not page["has_more"]:
            break
        since = page["next_since"]
    calls["sync"] = pages
    return calls


async def test_every_time_in_every_answer_is_in_shanghai_time(answers: dict[str, Any]) -> None:
    found = {name: timestamps(answer) for name, answer in answers.items()}
    # Each answer was looked at, and times were found in it (the walk would otherwise prove nothing).
    assert [name for name, times in found.items() if not times] == []
    elsewhere = [
        (name, where, text) for name, times in found.items() for where, text in times if not text.endswith("+08:00")
    ]
    assert elsewhere == []
