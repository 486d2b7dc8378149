"""Sample listings: no phone number, no invented live figures, and a name, address, street and point that agree
with the real anchor they were placed at (seed/data/district_geo.json): its street, its circle, and only the roads
the anchor is named after."""

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.geo import haversine_m
from models import District, Place, SeedState, Street
from seed.loader import SEED_NAME, load_seed
from seed.reference import read_json

GEOGRAPHY = read_json("district_geo.json")
# Every road name the data knows (the districts' lists and the anchors' own), and anything shaped like one.
KNOWN_ROADS = {road for geo in GEOGRAPHY.values() for road in geo["roads"]} | {
    road for geo in GEOGRAPHY.values() for anchor in geo["anchors"] for road in anchor["roads"]
}
ROAD_SHAPED = re.compile(r"[\u4e00-\u9fff]+?(?:公路|大道|大街|老街|路|街)")


async def samples(session: AsyncSession) -> list[Place]:
    return list((await session.scalars(select(Place).where(Place.is_sample.is_(True)).order_by(Place.id))).all())


def test_an_anchor_is_tied_only_to_roads_its_own_name_gives() -> None:
    anchors = [anchor for geo in GEOGRAPHY.values() for anchor in geo["anchors"]]
    assert sum(bool(anchor["roads"]) for anchor in anchors) > 50
    for anchor in anchors:
        assert all(road in anchor["name"] for road in anchor["roads"]), anchor


def _roads_beyond(text: str, street: str, anchor: dict) -> set[str]:
    """The roads `text` names other than the street's own name and the roads the anchor is named after."""
    parts = (street, street.removesuffix("街道"), *anchor["roads"])
    for part in sorted(parts, key=len, reverse=True):  # 堡镇中路 before 堡镇
        text = text.replace(part, " ")
    return {road for road in KNOWN_ROADS if road in text} | set(ROAD_SHAPED.findall(text))


async def test_every_sample_lies_at_an_anchor_of_its_street_and_names_no_other_road(session: AsyncSession) -> None:
    streets = {street.code: street.name for street in (await session.scalars(select(Street))).all()}
    districts = {district.code: district.name for district in (await session.scalars(select(District))).all()}
    rows = await samples(session)
    assert len(rows) >= 600
    for place in rows:
        street = streets[place.street_code]
        around = [
            anchor
            for anchor in GEOGRAPHY[place.district_code]["anchors"]
            if anchor["street"] == street
            # The point is rounded to 6 decimals (about 0.1 m).
            and haversine_m(place.lat, place.lng, anchor["lat"], anchor["lng"]) <= anchor["radius_m"] + 1
        ]
        assert around, f"{place.name} ({place.lat}, {place.lng}) is at no anchor of {street}"
        agreeing = [
            anchor
            for anchor in around
            if not _roads_beyond(place.name, street, anchor) and not _roads_beyond(place.address, street, anchor)
        ]
        assert agreeing, f"{place.name} / {place.address} names a road outside {street}'s anchors {around}"
        # The address names the district, the street and perhaps the road the name gives: no door, and it says
        # that it is a sample.
        within = f"上海市{districts[place.district_code]}{street}"
        addresses = {f"{within}（示例地址）"} | {
            f"{within}{road}一带（示例地址）" for anchor in agreeing for road in anchor["roads"] if road in place.name
        }
        assert place.address in addresses, place.address


async def test_samples_carry_no_phone_number_and_no_live_figures(session: AsyncSession) -> None:
    for place in await samples(session):
        assert place.phones == [] and place.website is None, place.name
        assert (place.capacity, place.available, place.available_updated_at) == (None, None, None), place.name


async def test_seeding_a_database_seeded_before_clears_sample_phones_and_figures(session: AsyncSession) -> None:
    """A database seeded by an earlier version (dialable numbers, figures as of the seed) is put right by the next
    start's seed: the changed seed is not skipped, and every field that changed is written."""
    old = await samples(session)
    live = [place for place in old if place.category_code in {"transport.parking", "elder_care.nursing_home"}]
    for number, place in enumerate(old):
        place.phones = [f"021-6{number:07d}"]
    for place in live:
        place.capacity, place.available = 120, 30
        place.available_updated_at = place.created_at
    state = await session.get(SeedState, SEED_NAME)
    state.digest = "the digest an earlier seed left"
    await session.flush()

    report = await load_seed(session)

    assert not report.skipped and report.updated["place"] == len(old)
    for place in await samples(session):
        await session.refresh(place)
        assert place.phones == [] and place.capacity is None and place.available_updated_at is None, place.name
