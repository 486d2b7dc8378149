"""What operators choose from when they write or filter listings (the console's forms read these): the categories
of places, and the districts and streets within their grants; and an earlier version of a listing they reach."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.places import service
from api.curation.places import writes as place_writes
from api.curation.places.fields import PlaceFields
from api.deps import Principal
from api.errors import NotFound

OPERATOR = Principal(user_id=None, role="operator", districts=frozenset({"310104"}))  # type: ignore[arg-type]
ELSEWHERE = Principal(user_id=None, role="operator", districts=frozenset({"310115"}))  # type: ignore[arg-type]
ADMIN = Principal(user_id=None, role="admin", districts=frozenset())  # type: ignore[arg-type]


async def test_an_operator_chooses_among_the_districts_and_streets_granted_to_them(session: AsyncSession) -> None:
    assert [row.code for row in await service.reachable_districts(session, OPERATOR)] == ["310104"]
    streets = await service.reachable_streets(session, OPERATOR)
    assert streets and {row.district_code for row in streets} == {"310104"}
    assert await service.reachable_streets(session, OPERATOR, "310115") == []
    assert len(await service.reachable_districts(session, ADMIN)) == 16
    assert {row.district_code for row in await service.reachable_streets(session, ADMIN, "310115")} == {"310115"}
    categories = await service.place_categories(session)
    assert {row.kind for row in categories} == {"place"}
    assert "elder_care.meal_site" in [row.code for row in categories]


async def test_an_earlier_version_of_a_listing_is_read_within_the_districts_only(session: AsyncSession) -> None:
    fields = {"name": "测试版本助餐点", "category": "elder_care.meal_site", "district": "310104", "address": "测试路"}
    place = await place_writes.create_place(session, OPERATOR, PlaceFields(**fields))
    await place_writes.edit_place(session, OPERATOR, place, PlaceFields(**fields | {"name": "测试版本助餐点（改）"}))
    first = await service.version_snapshot(session, OPERATOR, place.id, 1)
    assert first["name"] == "测试版本助餐点" and first["status"] == "draft"
    with pytest.raises(NotFound):
        await service.version_snapshot(session, ELSEWHERE, place.id, 1)
    with pytest.raises(NotFound):
        await service.version_snapshot(session, OPERATOR, place.id, 9)
