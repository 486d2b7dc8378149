"""The feedback limits and state changes hold when requests race, on committed rows and real connections.

Each test forces the race (tests/races.py): every racing request is held just after its check until all of them
have passed it, so code that checks and then writes without a lock lets all of them write, on every run.
"""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from api import race_hooks
from api.db import Database
from api.feedback.service import DAILY_SUBMISSIONS
from models import Feedback, FeedbackEvent, IdempotencyRecord, Place, UserAccount
from tests.accounts.conftest import bearer
from tests.feedback.conftest import Headers, complaint_about, move, resolve, submit
from tests.races import all_answers, racing


@pytest.fixture
async def place_id(database: Database) -> int:
    async with database.sessionmaker() as session:
        return (
            await session.execute(select(Place.id).where(Place.status == "published").order_by(Place.id).limit(1))
        ).scalar_one()


@pytest.fixture
def resident(live_app: FastAPI, committed_resident: int) -> Headers:
    return bearer(live_app, committed_resident)


@pytest.fixture
def reviewer(live_app: FastAPI, committed_reviewer: UserAccount) -> Headers:
    return bearer(live_app, committed_reviewer.id)


async def _submitted(client: httpx.AsyncClient, resident: Headers, place_id: int) -> int:
    answer = await submit(client, resident, complaint_about(place_id))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _resolved(client: httpx.AsyncClient, resident: Headers, reviewer: Headers, place_id: int) -> int:
    feedback_id = await _submitted(client, resident, place_id)
    await resolve(client, reviewer, feedback_id)
    return feedback_id


async def _stored(database: Database, feedback_id: int) -> Feedback:
    async with database.sessionmaker() as session:
        feedback = await session.get(Feedback, feedback_id)
        assert feedback is not None
        return feedback


async def _events(database: Database, feedback_id: int, action: str) -> int:
    """How many history entries of this action the feedback has, as committed."""
    async with database.sessionmaker() as session:
        return await session.scalar(
            select(func.count()).where(FeedbackEvent.feedback_id == feedback_id, FeedbackEvent.action == action)
        )


async def test_ten_identical_submissions_at_once_leave_one_row(
    live_client: httpx.AsyncClient, database: Database, committed_resident: int, resident: Headers, place_id: int
) -> None:
    body = complaint_about(place_id, title="电梯停运", body="三号楼电梯停运一周了，老人上下楼很困难。")
    headers = {**resident, "Idempotency-Key": "5f0c8a2e-retry-storm"}
    with racing("idempotency.claim", parties=10):
        answers = await all_answers(*(live_client.post("/v1/feedback", json=body, headers=headers) for _ in range(10)))
    assert {answer.status_code for answer in answers} == {201}, {answer.text for answer in answers}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in answers) == 9
    async with database.sessionmaker() as session:
        rows = await session.scalar(select(func.count()).where(Feedback.author_id == committed_resident))
        keys = await session.scalar(select(func.count()).where(IdempotencyRecord.user_id == committed_resident))
    assert (rows, keys) == (1, 1)


async def test_submissions_racing_for_the_last_of_the_daily_limit_stop_at_the_limit(
    live_client: httpx.AsyncClient, database: Database, committed_resident: int, resident: Headers, place_id: int
) -> None:
    already = DAILY_SUBMISSIONS - 4
    for _ in range(already):
        await _submitted(live_client, resident, place_id)
    with racing("feedback.daily_limit", parties=8):
        answers = await all_answers(*(submit(live_client, resident, complaint_about(place_id)) for _ in range(8)))
    assert sorted(answer.status_code for answer in answers) == [201] * 4 + [429] * 4, [a.text for a in answers]
    async with database.sessionmaker() as session:
        rows = await session.scalar(select(func.count()).where(Feedback.author_id == committed_resident))
    assert rows == DAILY_SUBMISSIONS


async def test_ten_ratings_at_once_rate_and_close_the_feedback_once(
    live_client: httpx.AsyncClient, database: Database, resident: Headers, reviewer: Headers, place_id: int
) -> None:
    feedback_id = await _resolved(live_client, resident, reviewer, place_id)
    with racing("feedback.move", parties=10):
        answers = await all_answers(
            *(
                live_client.post(f"/v1/feedback/{feedback_id}/rating", json={"score": score}, headers=resident)
                for score in range(1, 6)
                for _ in range(2)
            )
        )
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * 9, [answer.text for answer in answers]
    winner = next(answer.json() for answer in answers if answer.status_code == 200)
    stored = await _stored(database, feedback_id)
    assert (stored.status, stored.rating) == ("closed", winner["rating"])
    assert await _events(database, feedback_id, "rated") == 1


async def test_rating_and_reopening_at_once_do_one_or_the_other(
    live_client: httpx.AsyncClient, database: Database, resident: Headers, reviewer: Headers, place_id: int
) -> None:
    feedback_id = await _resolved(live_client, resident, reviewer, place_id)
    with racing("feedback.move", parties=2):
        rated, reopened = await all_answers(
            live_client.post(f"/v1/feedback/{feedback_id}/rating", json={"score": 2}, headers=resident),
            live_client.post(f"/v1/feedback/{feedback_id}/reopen", json={"reason": "还是没有手纸。"}, headers=resident),
        )
    assert sorted([rated.status_code, reopened.status_code]) == [200, 409], (rated.text, reopened.text)
    stored = await _stored(database, feedback_id)
    if rated.status_code == 200:
        assert (stored.status, stored.rating) == ("closed", 2)
    else:
        assert (stored.status, stored.rating) == ("reopened", None)


async def test_two_reviewers_closing_one_feedback_two_ways_at_once_make_one_move(
    live_client: httpx.AsyncClient, database: Database, resident: Headers, reviewer: Headers, place_id: int
) -> None:
    original, feedback_id = [await _submitted(live_client, resident, place_id) for _ in range(2)]
    with racing("feedback.move", parties=2):
        rejected, duplicate = await all_answers(
            move(live_client, reviewer, feedback_id, "rejected", public_reply="不属于本平台受理范围。"),
            move(live_client, reviewer, feedback_id, "duplicate", duplicate_of=original),
        )
    assert sorted([rejected.status_code, duplicate.status_code]) == [200, 409], (rejected.text, duplicate.text)
    stored = await _stored(database, feedback_id)
    if rejected.status_code == 200:
        assert (stored.status, stored.duplicate_of_id) == ("rejected", None)
    else:
        assert (stored.status, stored.duplicate_of_id) == ("duplicate", original)
    assert await _events(database, feedback_id, "status") == 1


async def test_two_reviewers_marking_two_feedback_duplicates_of_each_other_link_them_one_way(
    live_client: httpx.AsyncClient, database: Database, resident: Headers, reviewer: Headers, place_id: int
) -> None:
    first, second, third = [await _submitted(live_client, resident, place_id) for _ in range(3)]
    with racing("feedback.move", parties=2):
        answers = await all_answers(
            move(live_client, reviewer, first, "duplicate", duplicate_of=second),
            move(live_client, reviewer, second, "duplicate", duplicate_of=first),
        )
    assert sorted(answer.status_code for answer in answers) == [200, 422], [answer.text for answer in answers]
    links = {(await _stored(database, key)).duplicate_of_id for key in (first, second)}
    assert links in ({second, None}, {first, None})  # one points at the other, which stays the original
    original = first if first in links else second
    # Marking a third one a duplicate of either answers, and links it to the original.
    marked = await all_answers(move(live_client, reviewer, third, "duplicate", duplicate_of=first))
    assert marked[0].status_code == 200, marked[0].text
    assert (await _stored(database, third)).duplicate_of_id == original


async def test_a_loop_of_duplicates_in_stored_data_is_answered_not_followed_forever(
    live_client: httpx.AsyncClient, database: Database, resident: Headers, reviewer: Headers, place_id: int
) -> None:
    first, second, third, fourth = [await _submitted(live_client, resident, place_id) for _ in range(4)]
    # Bad data, as a cycle made before links were locked, or an edit by hand, left it: 1 → 2 → 3 → 1.
    async with database.sessionmaker() as session, session.begin():
        for feedback_id, original in ((first, second), (second, third), (third, first)):
            feedback = await session.get(Feedback, feedback_id)
            assert feedback is not None
            feedback.duplicate_of_id = original
    answer = (await all_answers(move(live_client, reviewer, fourth, "duplicate", duplicate_of=first)))[0]
    assert answer.status_code == 409 and answer.json()["code"] == "duplicate_loop", answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert (await _stored(database, fourth)).status == "submitted"
    # The server is not stuck in the loop: the same feedback moves on as usual.
    assert (await move(live_client, reviewer, fourth, "accepted")).status_code == 200


async def test_a_submission_whose_author_erases_the_account_meanwhile_is_not_stored(
    live_client: httpx.AsyncClient, database: Database, committed_resident: int, resident: Headers, place_id: int
) -> None:
    erasures: list[httpx.Response] = []

    async def erase_meanwhile(point: str) -> None:
        # The submission is signed in; the resident's erasure commits before it writes.
        if point == "feedback.signed_in" and not erasures:
            erasures.append(await live_client.delete("/v1/me", headers=resident))

    with race_hooks.installed(erase_meanwhile):
        answer = await submit(live_client, resident, complaint_about(place_id))
    assert [erasure.status_code for erasure in erasures] == [204], [erasure.text for erasure in erasures]
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "invalid_token"
    async with database.sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(Feedback.author_id == committed_resident)) == 0
