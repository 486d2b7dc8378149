"""Prepared reads return exactly what Core execution returns, on each database, inside the caller's transaction."""

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.prepared import PreparedRead
from models import Place

_COLUMNS = (Place.id, Place.name, Place.lat, Place.is_sample, Place.opening_hours, Place.tags, Place.updated_at)
_BY_ID = select(*_COLUMNS).where(Place.id == bindparam("place_id"), Place.status == "published")


async def test_prepared_read_matches_core_types_and_values(session: AsyncSession) -> None:
    place_id = (await session.execute(select(Place.id).where(Place.status == "published").limit(1))).scalar_one()
    expected = (await session.execute(_BY_ID, {"place_id": place_id})).one()._asdict()

    row = await PreparedRead(_BY_ID).first(session, place_id=place_id)

    assert row._asdict() == expected
    assert isinstance(row.is_sample, bool)
    assert isinstance(row.opening_hours, dict)
    assert row.updated_at.tzinfo is not None


async def test_prepared_read_sees_uncommitted_rows_of_its_session(session: AsyncSession) -> None:
    place = (await session.execute(select(Place).where(Place.status == "published").limit(1))).scalar_one()
    place.name = "徐家汇公园（改名）"
    await session.flush()

    row = await PreparedRead(_BY_ID).first(session, place_id=place.id)

    assert row is not None and row.name == "徐家汇公园（改名）"
    assert await PreparedRead(_BY_ID).first(session, place_id=-1) is None
    assert [r.id for r in await PreparedRead(_BY_ID).all(session, place_id=place.id)] == [place.id]
