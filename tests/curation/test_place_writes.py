"""The one path every change to a listing takes: checks, warnings, versions with field-level changes, revert."""

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation import versions
from api.curation.places import writes as place_writes
from api.curation.places.fields import PlaceFields
from api.deps import Principal
from api.errors import Forbidden, ValidationFailed
from models import AuditEntry, ListingVersion

OPERATOR = Principal(user_id=None, role="operator", districts=frozenset({"310104"}))  # type: ignore[arg-type]
MEAL_SITE = {
    "name": "测试助餐点（测试数据）",
    "category": "elder_care.meal_site",
    "district": "310104",
    "address": "徐汇区测试路（测试地址）",
}
HOURS = {"weekly": [{"days": [1, 2, 3, 4, 5], "opens": "11:00", "closes": "13:00"}], "on_holidays": "closed"}
ATTRIBUTES = {"meal_times": [{"meal": "lunch", "starts": "11:00", "ends": "13:00"}], "price_yuan": 12}


async def test_a_draft_without_coordinates_waits_for_its_location_and_cannot_be_published(
    session: AsyncSession,
) -> None:
    place = await place_writes.create_place(session, OPERATOR, PlaceFields(**MEAL_SITE))
    assert place.status == "draft" and place.lat is None
    assert [w["code"] for w in place.warnings] == ["needs_location"] and place.warning_count == 1
    with pytest.raises(ValidationFailed) as refused:
        await place_writes.change_status(session, OPERATOR, place, "publish")
    assert {tuple(e["loc"][1:2]) for e in refused.value.errors} >= {("location",), ("opening_hours",)}


async def test_an_edit_is_a_version_with_each_changed_field_and_a_revert_makes_another(session: AsyncSession) -> None:
    place = await place_writes.create_place(session, OPERATOR, PlaceFields(**MEAL_SITE))
    complete = PlaceFields(
        **MEAL_SITE, location={"lat": 31.19, "lng": 121.44}, opening_hours=HOURS, attributes=ATTRIBUTES
    )
    assert await place_writes.edit_place(session, OPERATOR, place, complete, reason="located")
    assert place.warnings == [] and place.version == 2
    await place_writes.change_status(session, OPERATOR, place, "publish")
    assert place.status == "published" and place.version == 3

    page, _ = await versions.history(session, kind="place", key=place.id, limit=10, cursor=None)
    assert [v.version for v in page] == [3, 2, 1]
    located = page[1]
    assert located.reason == "located" and located.source == "manual"
    assert {"field": "location", "old": None, "new": {"lat": 31.19, "lng": 121.44}} in located.changes
    assert {"field": "attributes.price_yuan", "old": None, "new": 12} in located.changes
    assert page[0].changes == [{"field": "status", "old": "draft", "new": "published"}]

    # Unchanged fields write nothing.
    assert not await place_writes.edit_place(session, OPERATOR, place, complete)
    # Version 1 had no location: a published listing cannot go back to it.
    with pytest.raises(ValidationFailed):
        await place_writes.revert_place(session, OPERATOR, place, 1)
    renamed = complete.model_copy(update={"name": "测试助餐点（改名）"})
    await place_writes.edit_place(session, OPERATOR, place, renamed)
    assert await place_writes.revert_place(session, OPERATOR, place, 3, reason="undo rename")
    assert place.name == MEAL_SITE["name"] and place.version == 5
    latest = (await versions.history(session, kind="place", key=place.id, limit=1, cursor=None))[0][0]
    assert (latest.source, latest.source_ref) == ("revert", 3)
    assert latest.changes == [{"field": "name", "old": "测试助餐点（改名）", "new": MEAL_SITE["name"]}]
    await session.flush()
    actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(place.id)))).all()
    assert actions.count("place.edit") == 3 and "place.publish" in actions and "place.create" in actions


async def test_a_district_not_granted_is_refused_and_nothing_is_written(session: AsyncSession) -> None:
    before = await session.scalar(select(ListingVersion.id).order_by(ListingVersion.id.desc()).limit(1))
    with pytest.raises(Forbidden):
        await place_writes.create_place(session, OPERATOR, PlaceFields(**MEAL_SITE | {"district": "310110"}))
    assert await session.scalar(select(ListingVersion.id).order_by(ListingVersion.id.desc()).limit(1)) == before


async def test_live_figures_and_verification_are_not_edits(session: AsyncSession) -> None:
    place = await place_writes.create_place(session, OPERATOR, PlaceFields(**MEAL_SITE))
    await place_writes.verify_place(session, OPERATOR, place)
    place.available = 3
    await session.flush()
    assert place.version == 1 and place.verified_at is not None


async def test_a_parks_type_must_agree_with_its_category(session: AsyncSession) -> None:
    park = MEAL_SITE | {"name": "测试公园（测试数据）", "category": "park.city"}
    with pytest.raises(ValidationFailed) as refused:
        await place_writes.create_place(session, OPERATOR, PlaceFields(**park, attributes={"park_type": "pocket"}))
    assert refused.value.errors[0]["type"] == "park_type_mismatch"
    draft = await place_writes.create_place(session, OPERATOR, PlaceFields(**park, attributes={"park_type": "city"}))
    assert draft.attributes == {"park_type": "city"}
