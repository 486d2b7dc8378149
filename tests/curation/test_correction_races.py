"""Two operators settling the same correction at once, on committed rows and real connections: one succeeds, the
other finds it settled (tests/races.py forces the race: each request is held just after its check)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api.db import Database
from models import Feedback, FeedbackEvent, Place
from tests.accounts.conftest import bearer, committed_staff
from tests.feedback.conftest import complaint_about, submit
from tests.races import all_answers, racing


@pytest.fixture
async def committed_operator(database: Database, live_app: FastAPI) -> AsyncIterator[int]:
    """An operator of 徐汇区 (310104) committed for real, removed afterwards with its audit entries."""
    async with committed_staff(database, live_app, "operator", ("310104",)) as user_id:
        yield user_id


async def test_two_operators_applying_the_same_correction_at_once_get_one_success_and_one_409(
    live_app: FastAPI,
    live_client: httpx.AsyncClient,
    database: Database,
    committed_resident: int,
    committed_operator: int,
) -> None:
    async with database.sessionmaker() as session:
        place_id, name = (
            await session.execute(
                select(Place.id, Place.name)
                .where(Place.district_code == "310104", Place.status == "published")
                .order_by(Place.id)
                .limit(1)
            )
        ).one()
    # The listing's own name: the correction resolves without changing the shared seeded listing.
    body = complaint_about(
        place_id,
        kind="correction",
        title="名称有误",
        body="名称和门口招牌不一致。",
        correction={"field": "name", "suggested_value": name},
    )
    submitted = await submit(live_client, bearer(live_app, committed_resident), body)
    assert submitted.status_code == 201, submitted.text
    feedback_id = submitted.json()["id"]
    operator = bearer(live_app, committed_operator)

    with racing("feedback.move", parties=2):
        answers = await all_answers(
            *(
                live_client.post(
                    f"/v1/manage/corrections/{feedback_id}/apply", json={"reply": "名称无误。"}, headers=operator
                )
                for _ in range(2)
            )
        )
    assert sorted(answer.status_code for answer in answers) == [200, 409], [answer.text for answer in answers]
    assert [a.json()["code"] for a in answers if a.status_code == 409] == ["correction_closed"]
    async with database.sessionmaker() as session:
        assert (await session.get(Feedback, feedback_id)).status == "resolved"
        resolutions = await session.scalar(
            select(func.count()).where(FeedbackEvent.feedback_id == feedback_id, FeedbackEvent.to_status == "resolved")
        )
        assert resolutions == 1
