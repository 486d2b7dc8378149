"""Public statistics: counts, time to resolution, deadlines kept, ratings — and nothing personal."""

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback import stats
from models import Feedback
from tests.feedback.conftest import complaint_about, place_in, resolve, submit


async def test_statistics_summarise_handling_without_personal_data(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers("13700007777"), await staff_headers()
    place_id = (await place_in(session, "310112")).id  # 闵行
    ids = [(await submit(client, resident, complaint_about(place_id, title=f"问题{n}"))).json()["id"] for n in range(3)]
    for feedback_id in ids[:2]:
        await resolve(client, reviewer, feedback_id)
    now = datetime.now(UTC)
    # One resolved in 10 hours, within its deadline; one in 200 hours, after it.
    await session.execute(
        update(Feedback)
        .where(Feedback.id == ids[0])
        .values(created_at=now - timedelta(hours=10), resolved_at=now, due_at=now + timedelta(days=1))
    )
    await session.execute(
        update(Feedback)
        .where(Feedback.id == ids[1])
        .values(created_at=now - timedelta(hours=200), resolved_at=now, due_at=now - timedelta(days=3))
    )
    await session.commit()
    await client.post(f"/v1/feedback/{ids[0]}/rating", json={"score": 4}, headers=resident)

    stats = (await client.get("/v1/stats/feedback", params={"district": "310112"})).json()
    assert stats["total"] == 3
    assert {item["key"]: item["count"] for item in stats["by_status"]} == {"closed": 1, "resolved": 1, "submitted": 1}
    assert stats["by_district"] == [{"key": "310112", "count": 3}]
    assert stats["median_hours_to_resolution"] == 105.0
    assert stats["resolved_within_deadline_share"] == 0.5
    assert stats["average_rating"] == 4.0 and stats["ratings"] == 1
    text = str((await client.get("/v1/stats/feedback")).json())
    assert "1370000" not in text and "问题" not in text


async def test_figures_by_district_count_each_district_as_the_public_statistics_do(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    resident, reviewer = await resident_headers("13700007778"), await staff_headers()
    minhang, xuhui = (await place_in(session, "310112")).id, (await place_in(session, "310104")).id
    ids = [(await submit(client, resident, complaint_about(minhang, title=f"问题{n}"))).json()["id"] for n in range(3)]
    await submit(client, resident, complaint_about(xuhui))
    await resolve(client, reviewer, ids[0])
    await session.execute(
        update(Feedback).where(Feedback.id == ids[1]).values(due_at=datetime.now(UTC) - timedelta(hours=1))
    )
    await session.commit()
    await client.post(f"/v1/feedback/{ids[0]}/rating", json={"score": 5}, headers=resident)

    figures = {item["district"]: item for item in await stats.figures_by_district(session)}
    public = (await client.get("/v1/stats/feedback", params={"district": "310112"})).json()
    assert figures["310112"] == {
        "district": "310112",
        "total": 3,
        "open": 2,
        "overdue": 1,
        "median_hours_to_resolution": public["median_hours_to_resolution"],
        "resolved_within_deadline_share": 1.0,
        "average_rating": 5.0,
        "ratings": 1,
    }
    assert figures["310104"]["open"] == 1 and figures["310104"]["overdue"] == 0
    assert await stats.overdue_count(session, "310112") == 1
    assert await stats.overdue_count(session) == 1
