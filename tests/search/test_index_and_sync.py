"""The index follows every write in the same transaction; offline caches learn changes and deletions."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.listings import search_documents
from api.search.sync import service as sync
from models import Article, Bundle, Event, Place
from seed import synthetic
from tests.directory.test_places import collect


async def names_found(client: httpx.AsyncClient, q: str) -> set[str]:
    return {item["name"] for item in await collect(client, "/v1/places", q=q)}


async def test_new_and_renamed_listings_are_searchable_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    template = (await session.scalars(select(Place).where(Place.category_code == "convenience.toilet").limit(1))).one()
    place = Place(
        category_code=template.category_code,
        name="梧桐里公共厕所",
        address="上海市徐汇区天平路8号",
        district_code="310104",
        lat=31.19,
        lng=121.44,
        attributes=template.attributes,
        opening_hours=template.opening_hours,
        status="published",
    )
    session.add(place)
    await session.commit()
    assert "梧桐里公共厕所" in await names_found(client, "梧桐")
    assert "梧桐里公共厕所" in await names_found(client, "wutong")

    place.name = "银杏里公共厕所"
    await session.commit()
    assert "银杏里公共厕所" in await names_found(client, "银杏")
    assert not await names_found(client, "梧桐里")


async def test_rebuilding_the_index_gives_the_same_answers(client: httpx.AsyncClient, session: AsyncSession) -> None:
    before = [item["id"] for item in await collect(client, "/v1/places", q="长者 食堂")]
    connection = await session.connection()
    counts = await connection.run_sync(search_documents.rebuild)
    await session.commit()
    assert counts["place"] == (await session.execute(select(func.count()).select_from(Place))).scalar_one()
    assert [item["id"] for item in await collect(client, "/v1/places", q="长者 食堂")] == before


async def unmerged_index_pieces(session: AsyncSession) -> int:
    """What a search still reads in pieces: FTS5 segments beyond one per table (SQLite), or pages on the GIN
    indexes' pending lists (PostgreSQL: merging them again reports how many there were)."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        tables = ("search_place", "search_place_grid", "search_content")
        counts = [
            (await session.execute(text(f"SELECT count(DISTINCT segid) FROM {t}_idx"))).scalar_one() for t in tables
        ]
        return sum(count - 1 for count in counts)
    merged = await session.execute(
        text(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin' AND c.relname LIKE 'ix_search_%'"
        )
    )
    return sum(merged.scalars())


async def test_rebuilding_and_loading_leave_the_index_merged(session: AsyncSession) -> None:
    """Searches read each word from one piece of the index after `svcdir reindex` or a bulk load, not from one
    piece per batch written."""
    connection = await session.connection()
    await connection.run_sync(search_documents.rebuild)
    assert await unmerged_index_pieces(session) == 0
    await connection.run_sync(lambda sync_connection: synthetic.load(sync_connection, 600, progress=lambda _: None))
    assert await unmerged_index_pieces(session) == 0


def test_jieba_and_pypinyin_load_at_start_up_not_on_first_request() -> None:
    script = (
        "import asyncio, jieba\n"
        "from api.main import create_app\n"
        "app = create_app()\n"
        "assert not jieba.dt.initialized\n"
        "async def start():\n"
        "    async with app.router.lifespan_context(app):\n"
        "        print(jieba.dt.initialized)\n"
        "asyncio.run(start())\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


async def sync_all(client: httpx.AsyncClient, since: str | None = None) -> tuple[list, list, str]:
    changed, deleted = [], []
    while True:
        params = {"limit": 100, **({"since": since} if since else {})}
        response = await client.get("/v1/sync", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        changed += body["changed"]
        deleted += body["deleted"]
        since = body["next_since"]
        if not body["has_more"]:
            return changed, deleted, since


async def visible_count(session: AsyncSession, model: type) -> int:
    statement = select(func.count()).select_from(model).where(model.status == "published", model.deleted_at.is_(None))
    return (await session.execute(statement)).scalar_one()


async def test_sync_delivers_everything_then_only_changes_and_tombstones(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "SETTLE", timedelta(0))
    changed, deleted, since = await sync_all(client)
    kinds = [item["kind"] for item in changed]
    for kind, model in (("place", Place), ("event", Event), ("article", Article), ("bundle", Bundle)):
        assert kinds.count(kind) == await visible_count(session, model)
    assert deleted == []

    again, gone, since = await sync_all(client, since)
    assert again == [] and gone == []

    place = (await session.scalars(select(Place).where(Place.status == "published").limit(1))).one()
    event = (await session.scalars(select(Event).where(Event.status == "published").limit(1))).one()
    place_id, event_id = place.id, event.id
    place.status = "archived"
    event.title = event.title + "（时间调整）"
    await session.commit()

    changed, deleted, _ = await sync_all(client, since)
    assert {"kind": "place", "id": place_id} in deleted
    assert [(item["kind"], item["id"]) for item in changed] == [("event", event_id)]
    assert changed[0]["title"].endswith("（时间调整）")


async def test_sync_token_must_be_genuine(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/sync", params={"since": "garbage"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"


async def renamed_listing(session: AsyncSession, district: str, name: str) -> Place:
    """A published listing of the district, given a name no other listing shares."""
    place = (
        await session.scalars(
            select(Place).where(Place.status == "published", Place.district_code == district).limit(1)
        )
    ).one()
    place.name = name
    await session.commit()
    return place


async def first_page_ids(client: httpx.AsyncClient, q: str, **params: str) -> list[int]:
    answer = await client.get("/v1/places", params={"q": q, **params})
    return [item["id"] for item in answer.json()["items"]]


async def test_a_search_answered_by_the_index_alone_follows_publication(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    place = await renamed_listing(session, "310105", "长宁区仙霞路睦邻小厨")
    place_id = place.id

    async def found(**params: str) -> bool:
        return place_id in await first_page_ids(client, "睦邻小厨", **params)

    assert await found(district="310105") and await found() and await found(category=place.category_code)
    place.status = "archived"
    await session.commit()
    assert not await found(district="310105") and not await found()
    place.status, place.deleted_at = "published", datetime.now(UTC)
    await session.commit()
    assert not await found(district="310105")
    place.deleted_at = None
    await session.commit()
    assert await found(district="310105")


@pytest.mark.parametrize("q", ["厕所", "公园", "长者 食堂", "yanglao", "gongce", "toilet", "停车"])
async def test_a_search_within_a_district_finds_the_citywide_matches_there(client: httpx.AsyncClient, q: str) -> None:
    citywide = await collect(client, "/v1/places", q=q)
    districts = {item["district"] for item in citywide}
    assert len(districts) >= 2
    for district in sorted(districts):
        expected = [item["id"] for item in citywide if item["district"] == district]
        # First pages come from the index alone, later pages and other orders from `place`: all must agree.
        assert [item["id"] for item in await collect(client, "/v1/places", q=q, district=district)] == expected
        by_name = await collect(client, "/v1/places", q=q, district=district, sort="name")
        assert sorted(item["id"] for item in by_name) == sorted(expected)


async def test_a_listing_moved_to_another_district_is_found_there_at_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    place = await renamed_listing(session, "310104", "天钥桥路邻里汇小食堂")
    place_id = place.id

    async def found_in(district: str) -> bool:
        return place_id in await first_page_ids(client, "邻里汇小食堂", district=district)

    assert await found_in("310104") and not await found_in("310101")
    place.district_code, place.street_code = "310101", None
    await session.commit()
    assert await found_in("310101") and not await found_in("310104")


async def test_within_a_district_name_matches_come_first_and_follow_renames(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """The first page within a district tells name matches from the index itself: a listing whose name gains the
    word joins them at once, and later pages (from `place`) carry on in the same order."""
    in_description, in_name = (
        await session.scalars(
            select(Place).where(Place.status == "published", Place.district_code == "310105").order_by(Place.id.desc())
        )
    ).all()[:2]
    in_description.name, in_description.description = "长宁区仙霞路睦邻小厨", "招牌杏花酥每日现做,老人凭卡九折"
    in_name.name = "长宁区杏花酥铺"
    await session.commit()

    async def pages(**params: str) -> list[list[int]]:
        found, cursor = [], None
        while True:
            answer = await client.get(
                "/v1/places", params={"q": "杏花酥", **params, **({"cursor": cursor} if cursor else {})}
            )
            found.append([item["id"] for item in answer.json()["items"]])
            if (cursor := answer.json()["next_cursor"]) is None:
                return found

    assert await pages(district="310105") == [[in_name.id, in_description.id]] == await pages()
    assert await pages(district="310105", limit="1") == [[in_name.id], [in_description.id]]
    in_description.name = "长宁区杏花酥小站"
    await session.commit()
    by_id = sorted([in_name.id, in_description.id])
    assert await pages(district="310105") == [by_id] == await pages()
    assert await pages(district="310105", limit="1") == [[by_id[0]], [by_id[1]]]
    assert await pages(district="310101") == [[]]
