"""The operators' list of listings: every status of their districts only, each filter, newest first in pages."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Place
from tests.curation.places_http import (
    DISTRICT,
    ELSEWHERE,
    action,
    complete,
    create,
    draft,
    operator_headers,
    street_of,
)

# Every listing made here carries this word, so that `q` narrows a list to them among the seeded ones.
WORD = "测试清单"


async def listed(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of the list, followed to its end."""
    items, cursor = [], None
    while True:
        query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
        answer = await client.get("/v1/manage/places", params=query, headers=headers)
        assert answer.status_code == 200, answer.text
        items += answer.json()["items"]
        if (cursor := answer.json()["next_cursor"]) is None:
            return items


async def ids(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[int]:
    return [item["id"] for item in await listed(client, headers, q=WORD, **params)]


async def test_the_list_has_every_status_newest_first_each_once_and_each_filter_narrows_it(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    street = await street_of(session, DISTRICT)
    waiting = await create(client, headers, draft(f"{WORD}甲"))  # no location: a warning
    published = await create(client, headers, complete(f"{WORD}乙", street=street, source_id="XH-TEST-0001"))
    await action(client, headers, published["id"], "publish")
    archived = await create(client, headers, complete(f"{WORD}丙"))
    await action(client, headers, archived["id"], "archive")
    toilet = await create(
        client,
        headers,
        draft(
            f"{WORD}丁",
            category="convenience.toilet",
            location={"lat": 31.19, "lng": 121.44},
            address="徐汇区测试路2号（测试地址）",
        ),
    )
    all_four = [toilet["id"], archived["id"], published["id"], waiting["id"]]

    assert await ids(client, headers) == all_four
    items = await listed(client, headers, q=WORD)
    first = {item["id"]: item for item in items}[published["id"]]
    assert (first["status"], first["street"], first["source_id"], first["has_location"]) == (
        "published",
        street,
        "XH-TEST-0001",
        True,
    )
    assert first["version"] == 2 and first["stale"] is False and first["updated_at"].endswith("+08:00")
    assert {item["id"]: item["has_location"] for item in items}[waiting["id"]] is False

    assert await ids(client, headers, status="draft") == [toilet["id"], waiting["id"]]
    assert await ids(client, headers, status="archived") == [archived["id"]]
    # A category includes its subcategories, on the boundary of a code's parts only.
    assert await ids(client, headers, category="elder_care") == [archived["id"], published["id"], waiting["id"]]
    assert await ids(client, headers, category="elder_care.meal_site") == [
        archived["id"],
        published["id"],
        waiting["id"],
    ]
    assert await ids(client, headers, category="elder_care.meal") == []
    assert await ids(client, headers, category="convenience") == [toilet["id"]]
    assert await ids(client, headers, street=street) == [published["id"]]
    assert await ids(client, headers, district=DISTRICT) == all_four
    assert await ids(client, headers, has_warnings=True) == [waiting["id"]]
    assert await ids(client, headers, has_warnings=False) == [toilet["id"], archived["id"], published["id"]]
    # `q` reads the name, the address and the office's own key.
    assert [item["id"] for item in await listed(client, headers, q="xh-test-0001")] == [published["id"]]
    assert [item["id"] for item in await listed(client, headers, q=f"{WORD}丁")] == [toilet["id"]]


async def test_stale_lists_what_nobody_confirmed_for_180_days(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    long_ago = datetime.now(UTC) - timedelta(days=181)
    never_verified = await create(client, headers, complete(f"{WORD}旧"))
    verified_long_ago = await create(client, headers, complete(f"{WORD}久"))
    verified_again = await create(client, headers, complete(f"{WORD}新"))
    fresh = await create(client, headers, complete(f"{WORD}今"))
    old = [never_verified["id"], verified_long_ago["id"], verified_again["id"]]
    await session.execute(update(Place).where(Place.id.in_(old)).values(created_at=long_ago))
    await session.execute(update(Place).where(Place.id == verified_long_ago["id"]).values(verified_at=long_ago))
    await session.commit()
    await action(client, headers, verified_again["id"], "publish")
    assert (await action(client, headers, verified_again["id"], "verify")).status_code == 200

    stale = await listed(client, headers, q=WORD, stale="true")
    assert [item["id"] for item in stale] == [verified_long_ago["id"], never_verified["id"]]
    assert all(item["stale"] for item in stale)
    assert await ids(client, headers, stale="false") == [fresh["id"], verified_again["id"]]
    detail = await client.get(f"/v1/manage/places/{never_verified['id']}", headers=headers)
    assert detail.json()["stale"] is True


async def test_updated_since_lists_what_changed_at_or_after_a_time(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    untouched = await create(client, headers, draft(f"{WORD}静"))
    changed = await create(client, headers, draft(f"{WORD}动"))
    a_week_ago = datetime.now(UTC) - timedelta(days=7)
    await session.execute(
        update(Place).where(Place.id.in_([untouched["id"], changed["id"]])).values(updated_at=a_week_ago)
    )
    await session.commit()
    since = (a_week_ago + timedelta(days=1)).isoformat()
    assert await ids(client, headers, updated_since=since) == []
    await client.patch(
        f"/v1/manage/places/{changed['id']}",
        json={"description": "测试说明"},
        headers={**headers, "content-type": "application/merge-patch+json", "If-Match": '"1"'},
    )
    assert await ids(client, headers, updated_since=since) == [changed["id"]]
    assert await ids(client, headers, updated_since=a_week_ago.isoformat()) == [changed["id"], untouched["id"]]
    naive = await client.get("/v1/manage/places", params={"updated_since": "2026-01-01T00:00:00"}, headers=headers)
    assert naive.status_code == 422


async def test_operators_list_their_districts_only_and_admins_every_district(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    _, _, headers = await operator_headers(app, session)
    _, _, admin = await operator_headers(app, session, role="admin")
    mine = await create(client, headers, draft(f"{WORD}本区"))
    elsewhere = await create(client, admin, draft(f"{WORD}外区", district=ELSEWHERE))

    assert await ids(client, headers) == [mine["id"]]
    assert await ids(client, admin) == [elsewhere["id"], mine["id"]]
    assert await ids(client, admin, district=ELSEWHERE) == [elsewhere["id"]]
    # Unfiltered, the first page of seeded listings holds only the operator's district.
    page = (await client.get("/v1/manage/places", params={"limit": 100}, headers=headers)).json()["items"]
    assert page and {item["district"] for item in page} == {DISTRICT}
    edited_cursor = await client.get("/v1/manage/places", params={"cursor": "not-a-cursor"}, headers=headers)
    assert edited_cursor.status_code == 400 and edited_cursor.json()["code"] == "invalid_cursor"
