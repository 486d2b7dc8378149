"""The seed: real divisions, realistic samples in every category and district, and loading it twice changes nothing."""

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.geo import haversine_m
from models import Article, Bundle, Category, District, Event, Place, Street
from seed.loader import load_seed
from tests.search.test_index_and_sync import unmerged_index_pieces

CHINESE = re.compile(r"[\u4e00-\u9fff]")


async def count(session: AsyncSession, model: type, *conditions: object) -> int:
    return (await session.execute(select(func.count()).select_from(model).where(*conditions))).scalar_one()


async def test_all_real_divisions_are_loaded_with_special_units_flagged(session: AsyncSession) -> None:
    assert await count(session, District) == 16
    assert await count(session, Street) == 234
    assert await count(session, Street, Street.is_special.is_(True)) == 19
    assert await count(session, Street, Street.kind == "street") == 107
    assert (await session.get(Street, "310104003")).name == "天平路街道"


async def test_samples_cover_every_category_and_district(session: AsyncSession) -> None:
    assert await count(session, Place) >= 600
    leaf_codes = select(Category.code).where(Category.kind == "place", Category.parent_code.is_not(None))
    leaves = (await session.scalars(leaf_codes)).all()
    for category in leaves:
        assert await count(session, Place, Place.category_code == category) > 0, category
    for district in (await session.scalars(select(District.code))).all():
        assert await count(session, Place, Place.district_code == district) >= 30, district
    assert await count(session, Event) >= 20
    assert await count(session, Article) >= 30
    assert await count(session, Bundle) >= 6


async def test_sample_listings_look_real_and_say_they_are_samples(session: AsyncSession) -> None:
    districts = {d.code: d for d in (await session.scalars(select(District))).all()}
    samples = (await session.scalars(select(Place).where(Place.is_sample.is_(True)))).all()
    assert samples
    for place in samples:
        assert CHINESE.search(place.name) and "test" not in place.name.lower()
        assert place.address.startswith("上海市" + districts[place.district_code].name)
        assert place.street_code is None or place.street_code.startswith(place.district_code)
        # Inside Shanghai, and no farther from its district's centre than the district reaches (横沙岛 is ~52 km
        # from 崇明's centre).
        assert 30.65 < place.lat < 31.90 and 120.85 < place.lng < 122.12
        centre = districts[place.district_code]
        assert haversine_m(place.lat, place.lng, centre.center_lat, centre.center_lng) < 60_000


async def test_loading_the_seed_again_changes_nothing(session: AsyncSession) -> None:
    before = (await session.execute(select(func.sum(Place.version), func.count()).select_from(Place))).one()
    report = await load_seed(session, force=True)
    assert not report.changed, (report.inserted, report.updated)
    after = (await session.execute(select(func.sum(Place.version), func.count()).select_from(Place))).one()
    assert before == after
    assert (await load_seed(session)).skipped


async def test_loading_the_seed_leaves_the_search_index_merged(session: AsyncSession) -> None:
    """The seed indexes its listings a flush at a time; searches then read each word from one piece."""
    for place in (await session.scalars(select(Place).where(Place.is_sample.is_(False)).limit(3))).all():
        place.name += "旧址"
        await session.flush()
    report = await load_seed(session, force=True)
    assert report.updated.get("place") == 3
    assert await unmerged_index_pieces(session) == 0
