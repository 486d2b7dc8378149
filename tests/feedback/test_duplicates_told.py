"""A resident whose feedback was merged into another (marked a duplicate) cannot see the original: they are told
in their inbox when it is resolved, each of them once."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.feedback.conftest import Headers, complaint_about, move, place_in, resolve, submit


async def _inbox(client: httpx.AsyncClient, resident: Headers) -> list[dict]:
    answer = await client.get("/v1/me/notifications", params={"limit": 100}, headers=resident)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _told_of_original(inbox: list[dict]) -> list[dict]:
    return [item for item in inbox if item["kind"] == "original_resolved"]


async def test_authors_of_duplicates_are_told_once_when_the_original_is_resolved(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    place = await place_in(session, "310104")
    reviewer = await staff_headers("reviewer")
    first, second, third, bystander = [
        await resident_headers(phone) for phone in ("13900000001", "13900000002", "13900000003", "13900000004")
    ]

    async def feedback_of(resident: Headers) -> dict:
        answer = await submit(client, resident, complaint_about(place.id))
        assert answer.status_code == 201, answer.text
        return answer.json()

    original = await feedback_of(first)
    # The second resident wrote twice about it, the original's author once more; the bystander about it too, but
    # that one stays open on its own.
    merged = {
        "second": [await feedback_of(second), await feedback_of(second)],
        "third": [await feedback_of(third)],
        "first": [await feedback_of(first)],
    }
    await feedback_of(bystander)
    for duplicates in merged.values():
        for duplicate in duplicates:
            marked = await move(client, reviewer, duplicate["id"], "duplicate", duplicate_of=original["id"])
            assert marked.status_code == 200, marked.text
    before = {name: len(await _inbox(client, resident)) for name, resident in (("second", second), ("third", third))}

    await resolve(client, reviewer, original["id"])

    for name, resident in (("second", second), ("third", third)):
        inbox = await _inbox(client, resident)
        told = _told_of_original(inbox)
        assert len(told) == 1 and len(inbox) == before[name] + 1, (name, inbox)
        # About their own (first) feedback, which they can open, with what the team did.
        assert told[0]["feedback_id"] == merged[name][0]["id"]
        assert merged[name][0]["ref"] in told[0]["title"] and told[0]["body"] == "已处理。"
        opened = await client.get(f"/v1/feedback/{told[0]['feedback_id']}", headers=resident)
        assert opened.status_code == 200
    # The original's author hears of the resolution as the author, not a second time; the bystander not at all.
    assert _told_of_original(await _inbox(client, first)) == []
    assert any(
        item["feedback_id"] == original["id"] and "已办结" in item["title"] for item in await _inbox(client, first)
    )
    assert await _inbox(client, bystander) == []


async def test_the_author_of_a_duplicate_of_a_duplicate_is_told_when_the_root_is_resolved(
    client: httpx.AsyncClient,
    session: AsyncSession,
    resident_headers,
    staff_headers,  # noqa: ANN001
) -> None:
    place = await place_in(session, "310104")
    reviewer = await staff_headers("reviewer")
    root_author, middle_author, last_author = [
        await resident_headers(phone) for phone in ("13900000011", "13900000012", "13900000013")
    ]
    root, middle, last = [
        (await submit(client, resident, complaint_about(place.id))).json()
        for resident in (root_author, middle_author, last_author)
    ]
    # The last one is merged into the middle one, and only later the middle one into the root.
    assert (await move(client, reviewer, last["id"], "duplicate", duplicate_of=middle["id"])).status_code == 200
    assert (await move(client, reviewer, middle["id"], "duplicate", duplicate_of=root["id"])).status_code == 200
    merged_into = await client.get(f"/v1/feedback/{last['id']}", headers=last_author)
    assert merged_into.json()["duplicate_of"] == root["ref"]

    await resolve(client, reviewer, root["id"])

    for resident, own in ((middle_author, middle), (last_author, last)):
        told = _told_of_original(await _inbox(client, resident))
        assert [item["feedback_id"] for item in told] == [own["id"]], told
