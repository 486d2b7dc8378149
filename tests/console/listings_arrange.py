"""Listings the console's listing tests arrange through the curation services (as an operator of HOME_DISTRICT),
each with a name of its own so that a test finds its listing among everyone else's."""

import secrets
from typing import Any

from api.curation.places import writes as place_writes
from api.curation.places.fields import PlaceFields
from api.db import Database
from api.deps import Principal
from tests.console.conftest import HOME_DISTRICT

STREET = "310104003"  # 天平路街道, in HOME_DISTRICT
MEAL_HOURS = {"weekly": [{"days": [1, 2, 3, 4, 5], "opens": "10:30", "closes": "13:00"}], "on_holidays": "closed"}
MEAL_ATTRIBUTES = {"meal_times": [{"meal": "lunch", "starts": "11:00", "ends": "12:30"}], "price_yuan": 15}


# Names end in four of these: words the directory's search reads as the listing's own (hex digits it would not).
NAME_MARKS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def unique(name: str) -> str:
    return name + "".join(secrets.choice(NAME_MARKS) for _ in range(4))


def meal_site(name: str, **fields: Any) -> dict[str, Any]:
    """A complete meal site of HOME_DISTRICT (publishable), with the fields an operator would fill in."""
    return {
        "name": name,
        "name_en": "Tianping Road seniors' canteen (test data)",
        "category": "elder_care.meal_site",
        "district": HOME_DISTRICT,
        "street": STREET,
        "address": "徐汇区天平路街道测试路1号（测试地址）",
        "location": {"lat": 31.2005, "lng": 121.4412},
        "phones": ["021-00000000"],
        "opening_hours": MEAL_HOURS,
        "accessibility": ["wheelchair", "accessible_toilet"],
        "languages": ["普通话", "上海话"],
        "attributes": MEAL_ATTRIBUTES,
        "description": "为辖区老人提供午餐，工作日供应。（测试数据）",
        **fields,
    }


async def arrange_listing(
    database: Database, user_id: int, values: dict[str, Any], *, publish: bool = False, districts: tuple[str, ...] = ()
) -> int:
    """A listing made by this operator through the curation services (published when asked); its id."""
    principal = Principal(user_id=user_id, role="operator", districts=frozenset(districts or (HOME_DISTRICT,)))
    async with database.sessionmaker() as session, session.begin():
        place = await place_writes.create_place(session, principal, PlaceFields(**values), reason="测试准备")
        if publish:
            await place_writes.change_status(session, principal, place, "publish")
        return place.id
