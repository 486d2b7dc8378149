"""Driver-level public reads: the same rows as Core, only reads, and always the latest committed listing."""

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import bindparam, select, update

from api.db import Database
from api.prepared import PreparedRead, SessionReader, request_reader
from models import Place

_COLUMNS = (Place.id, Place.name, Place.lat, Place.is_sample, Place.opening_hours, Place.tags, Place.updated_at)
_BY_ID = PreparedRead(select(*_COLUMNS).where(Place.id == bindparam("place_id"), Place.status == "published"))


async def _published_place_id(database: Database) -> int:
    async with database.read_sessionmaker() as session:
        return (await session.execute(select(Place.id).where(Place.status == "published").limit(1))).scalar_one()


async def test_driver_reader_returns_what_core_returns(database: Database) -> None:
    place_id = await _published_place_id(database)
    async with database.read_sessionmaker() as session:
        expected = (await session.execute(_BY_ID.statement, {"place_id": place_id})).one()._asdict()

    row = await _BY_ID.first(database.reader, place_id=place_id)

    assert row._asdict() == expected
    assert isinstance(row.is_sample, bool)
    assert isinstance(row.opening_hours, dict) and isinstance(row.tags, list)
    assert row.updated_at.tzinfo is not None
    assert await _BY_ID.first(database.reader, place_id=-1) is None
    assert [r.id for r in await _BY_ID.all(database.reader, place_id=place_id)] == [place_id]


async def test_driver_reader_cannot_write(database: Database) -> None:
    place_id = await _published_place_id(database)
    before = await _BY_ID.first(database.reader, place_id=place_id)

    with pytest.raises(Exception, match="(?i)read.?only"):
        await database.reader.records("UPDATE place SET name = 'x'", [], limit_one=False)

    assert await _BY_ID.first(database.reader, place_id=place_id) == before


async def test_place_detail_shows_a_committed_edit_at_once(live_app: FastAPI, database: Database) -> None:
    place_id = await _published_place_id(database)
    async with database.sessionmaker() as session, session.begin():
        original = (await session.execute(select(Place.name).where(Place.id == place_id))).scalar_one()
        await session.execute(update(Place).where(Place.id == place_id).values(name="静安寺街道为老服务中心（改）"))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
            renamed = await client.get(f"/v1/places/{place_id}")
            async with database.sessionmaker() as session, session.begin():
                await session.execute(update(Place).where(Place.id == place_id).values(status="archived"))
            archived = await client.get(f"/v1/places/{place_id}")
    finally:
        async with database.sessionmaker() as session, session.begin():
            await session.execute(update(Place).where(Place.id == place_id).values(name=original, status="published"))

    assert renamed.status_code == 200 and renamed.json()["name"] == "静安寺街道为老服务中心（改）"
    assert archived.status_code == 404 and archived.json()["code"] == "not_found"


async def test_a_request_never_holds_two_connections(database: Database) -> None:
    # Until the request's session has a connection, prepared reads use the driver pool; once it has one, they
    # run on it, so a worker never needs more connections than requests in flight.
    place_id = await _published_place_id(database)
    async with database.read_sessionmaker() as session:
        assert request_reader(session, database.reader) is database.reader
        await session.execute(select(Place.id).limit(1))
        on_session = request_reader(session, database.reader)
        assert isinstance(on_session, SessionReader)
        assert (await _BY_ID.first(on_session, place_id=place_id)).id == place_id
        assert on_session.database_key is database.reader.database_key


async def test_public_lists_return_every_read_connection(live_app: FastAPI, database: Database) -> None:
    # A list opens its read session only for the shapes that are not prepared, and must then close it: a session
    # left open would keep its pooled connection until the garbage collector found it.
    place_id = await _published_place_id(database)
    pool = database.read_engine.sync_engine.pool
    shapes = [
        {"q": "养老"},
        {"q": "养老", "sort": "name"},
        {"q": "公园", "facets": "category,district"},
        {"category": "elder_care", "sort": "updated"},
        {"near": "31.2304,121.4737", "radius_m": "5000", "sort": "distance", "limit": "2"},
    ]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        answers = [await client.get("/v1/places", params=params) for params in shapes]
        answers.append(await client.get(f"/v1/places/{place_id}/nearby", params={"radius_m": "3000"}))
        refused = await client.get("/v1/places", params={"q": "养老", "sort": "name", "cursor": "not-a-cursor"})

    assert [answer.status_code for answer in answers] == [200] * len(answers)
    assert all(answer.json()["items"] for answer in answers), [answer.url for answer in answers]
    assert refused.status_code == 400
    assert pool.checkedout() == 0
