"""The bulk import's batched writes against the one-listing write path: for the same input, the same listing, the
same versions (field by field) and the same audit entries."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.places import writes as place_writes
from api.curation.places.batch import PlaceBatch
from api.curation.places.fields import PlaceFields, snapshot
from api.deps import Principal
from models import AuditEntry, ListingVersion, Place

OPERATOR = Principal(user_id=None, role="operator", districts=frozenset({"310104"}))  # type: ignore[arg-type]
HOURS = {"weekly": [{"days": [1, 2, 3, 4, 5, 6, 7], "opens": "06:00", "closes": "22:00"}], "on_holidays": "as_usual"}
JOB = 41


def _toilet(source_id: str | None, **changes: Any) -> PlaceFields:
    values = {
        "name": "测试公厕（测试数据）",
        "category": "convenience.toilet",
        "district": "310104",
        "address": "徐汇区测试路1号（测试地址）",
        "location": {"lat": 31.18, "lng": 121.43},
        "opening_hours": HOURS,
        "source_id": source_id,
    }
    return PlaceFields.model_validate(values | changes)


def _without_key(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "source_id"}


async def _written(session: AsyncSession, place: Place) -> dict[str, Any]:
    """What a write leaves behind, the listing's own key aside."""
    await session.flush()
    versions = (
        await session.scalars(
            select(ListingVersion)
            .where(ListingVersion.object_type == "place", ListingVersion.object_key == str(place.id))
            .order_by(ListingVersion.version)
        )
    ).all()
    audit = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "place", AuditEntry.object_id == str(place.id))
        )
    ).all()
    return {
        "listing": _without_key(snapshot(place))
        | {"status": place.status, "version": place.version, "warnings": place.warnings},
        "versions": [
            (
                v.version,
                _without_key(v.snapshot),
                [change for change in v.changes if change["field"] != "source_id"],
                v.source,
                v.source_ref,
                v.actor_id,
                v.reason,
            )
            for v in versions
        ],
        "audit": sorted((entry.action, sorted(entry.details.items())) for entry in audit),
    }


async def test_a_batched_creation_publication_and_edit_write_what_the_single_path_writes(
    session: AsyncSession,
) -> None:
    single = await place_writes.create_place(session, OPERATOR, _toilet("S-1"), source="import", source_ref=JOB)
    await place_writes.change_status(session, OPERATOR, single, "publish", source="import", source_ref=JOB)
    await place_writes.edit_place(
        session, OPERATOR, single, _toilet("S-1", name="测试公厕改名（测试数据）"), source="import", source_ref=JOB
    )

    batch = PlaceBatch(session, OPERATOR, source="import", source_ref=JOB, size=2)
    batched = await batch.create(_toilet("B-1"), [], publish=True)
    await batch.finish()
    assert await batch.edit(batched, _toilet("B-1", name="测试公厕改名（测试数据）"), [], publish=False)
    await batch.finish()

    assert await _written(session, batched) == await _written(session, single)
    assert (batched.status, batched.version) == ("published", 3)


async def test_a_batched_draft_and_an_edit_of_a_listing_without_history_match_too(session: AsyncSession) -> None:
    draft = _toilet(None, location=None)
    single = await place_writes.create_place(session, OPERATOR, draft, source="import", source_ref=JOB)
    batch = PlaceBatch(session, OPERATOR, source="import", source_ref=JOB)
    batched = await batch.create(draft, [], publish=False)
    await batch.finish()
    assert await _written(session, batched) == await _written(session, single)
    assert [w["code"] for w in batched.warnings] == ["needs_location"]

    # Two seeded listings, never edited: the first edit writes a baseline version first, both ways.
    seeded = (
        await session.scalars(
            select(Place)
            .where(Place.district_code == "310104", Place.status == "published")
            .order_by(Place.id)
            .limit(2)
        )
    ).all()
    one, other = seeded
    for place in seeded:
        assert await session.scalar(select(ListingVersion.id).where(ListingVersion.object_key == str(place.id))) is None
    fields_one = PlaceFields.model_validate(snapshot(one) | {"description": "测试说明（测试数据）"})
    fields_other = PlaceFields.model_validate(snapshot(other) | {"description": "测试说明（测试数据）"})
    assert await place_writes.edit_place(session, OPERATOR, one, fields_one, source="import", source_ref=JOB)
    batch = PlaceBatch(session, OPERATOR, source="import", source_ref=JOB)
    await batch.learn_history([other.id])
    assert await batch.edit(other, fields_other, list(other.warnings or []), publish=False)
    await batch.finish()

    def shape(written: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(v[0], v[2], v[3]) for v in written["versions"]]

    assert shape(await _written(session, other)) == shape(await _written(session, one))
    assert [v[3] for v in (await _written(session, other))["versions"]] == ["baseline", "import"]
    # Nothing to change: nothing written, either way.
    assert not await place_writes.edit_place(session, OPERATOR, one, fields_one)
    assert not await batch.edit(other, fields_other, list(other.warnings or []), publish=False)
