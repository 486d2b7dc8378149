"""SAMPLE listings: Chinese names in every category and district, marked `is_sample`, with nothing a resident
could mistake for a real contact or a real live reading.

Everything is drawn from a seeded random generator, so the same seed always yields the same rows and loading
twice changes nothing. Each listing belongs to one anchor of seed/data/district_geo.json (a real place with its
real street and coordinates): it lies inside the anchor's circle, carries the anchor's street, and its name and
address name only that street and the roads the anchor itself is named after. A sample has no phone number, no
house number and no live figures (free beds, spaces, connectors), since any of them would be invented.
"""

import math
import random
from collections.abc import Iterator
from typing import Any

from seed.reference import district_rows, read_json, street_codes_by_name

# How many sample listings of each category every district gets (the real landmarks come on top).
PER_DISTRICT = {
    "elder_care.service_center": 3,
    "elder_care.meal_site": 7,
    "elder_care.sport_health_home": 2,
    "elder_care.nursing_home": 3,
    "park.city": 1,
    "park.pocket": 3,
    "transport.parking": 4,
    "transport.ev_charging": 3,
    "convenience.toilet": 7,
    "convenience.parcel_locker": 3,
    "health.community_center": 2,
}
# Says on every sample address that it is no postal address (it names an area, not a door).
SAMPLE_ADDRESS_NOTE = "（示例地址）"

EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]
WORKDAYS = [1, 2, 3, 4, 5]
ROUND_THE_CLOCK = {"weekly": [{"days": EVERY_DAY, "opens": "00:00", "closes": "24:00"}], "on_holidays": "as_usual"}

NURSING_HOME_WORDS = ["福寿", "康乐", "颐和", "怡康", "爱晚", "松鹤", "安康", "馨苑", "福泉", "乐龄", "椿萱", "瑞福"]
NURSING_HOME_KINDS = ["养老院", "敬老院", "护理院", "长者照护之家"]
CHARGING_OPERATORS = ["特来电", "星星充电", "国网电动", "蔚来能源", "上汽安悦"]
LOCKER_OPERATORS = ["丰巢", "中国邮政", "菜鸟驿站", "京东"]
# One of these per street at most, so they take the district's anchors in turn rather than at random.
ONE_PER_STREET = {"elder_care.service_center", "elder_care.sport_health_home"}
ACCESSIBILITY = ["wheelchair", "accessible_toilet", "elevator", "accessible_parking", "hearing_loop", "braille"]


def _point_in_circle(rng: random.Random, lat: float, lng: float, radius_m: float) -> tuple[float, float]:
    distance = radius_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    d_lat = distance * math.cos(bearing) / 111_320
    d_lng = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lng + d_lng, 6)


def _short_street(name: str) -> str:
    return name.removesuffix("街道")


def sample_address(district_name: str, street: str, road: str | None) -> str:
    """District, street and the road the name gives (if any): as precise as the data is, saying it is a sample."""
    return f"上海市{district_name}{street}{f'{road}一带' if road else ''}{SAMPLE_ADDRESS_NOTE}"


def _weekday_hours(opens: str, closes: str, saturday_until: str | None = None) -> dict[str, Any]:
    weekly = [{"days": WORKDAYS, "opens": opens, "closes": closes}]
    if saturday_until:
        weekly.append({"days": [6], "opens": opens, "closes": saturday_until})
    return {"weekly": weekly, "on_holidays": "closed"}


def _listing(rng: random.Random, category: str, anchor: dict, district_name: str) -> dict[str, Any]:
    """Name, hours and attributes of one sample listing of `category` (a sample has no live figures)."""
    street = anchor["street"]
    # Names say where a listing is by its street (田林, 七宝镇) and, where the anchor is named after roads, by one of
    # them. Not by the anchor itself: 中山公园 or 中山医院 in a toilet's name would make it a park or a hospital.
    area = _short_street(street)
    road = rng.choice(anchor["roads"]) if anchor["roads"] else area
    place: dict[str, Any] = {"accessibility": [], "languages": ["zh"], "tags": []}
    if category == "elder_care.service_center":
        place["name"] = f"{street}社区综合为老服务中心"
        place["opening_hours"] = {"weekly": [{"days": EVERY_DAY, "opens": "08:30", "closes": "17:00"}]}
        place["attributes"] = {
            "services": rng.sample(
                ["日间照护", "助餐", "助浴", "康复护理", "认知症照护", "家庭照护者培训", "智慧养老体验", "健康咨询"], 4
            ),
            "day_care_places": rng.randrange(20, 61, 5),
            "respite_beds": rng.randrange(0, 21, 2),
        }
        place["accessibility"] = ["wheelchair", "accessible_toilet", "elevator"]
        place["tags"] = ["日间照护", "长者"]
    elif category == "elder_care.meal_site":
        style = rng.randrange(3)
        if style == 0:
            place["name"] = f"{area}长者食堂"
        elif style == 1:
            place["name"] = f"{area}社区食堂（{road}店）" if road != area else f"{area}社区食堂"
        else:
            place["name"] = f"{area}老年助餐点"
        place["opening_hours"] = {
            "weekly": [
                {"days": EVERY_DAY, "opens": "10:30", "closes": "13:00"},
                {"days": EVERY_DAY, "opens": "16:30", "closes": "18:30"},
            ]
        }
        price = rng.choice([12, 13, 15, 16, 18])
        place["attributes"] = {
            "meal_times": [
                {"meal": "lunch", "starts": "10:30", "ends": "13:00"},
                {"meal": "dinner", "starts": "16:30", "ends": "18:30"},
            ],
            "price_yuan": price,
            "subsidised_price_yuan": price - rng.choice([2, 3, 4]),
            "seats": rng.randrange(30, 121, 10),
            "delivery": rng.random() < 0.5,
        }
        place["accessibility"] = ["wheelchair"]
        place["tags"] = ["助餐", "老年餐"]
    elif category == "elder_care.sport_health_home":
        place["name"] = f"{area}长者运动健康之家"
        place["opening_hours"] = _weekday_hours("08:30", "16:30", saturday_until="11:30")
        place["attributes"] = {
            "equipment": rng.sample(
                ["智能跑步机", "上肢康复器", "平衡训练仪", "智能体测仪", "太空漫步机", "卧式健身车"], 4
            ),
            "area_m2": rng.randrange(120, 401, 20),
            "guidance_sessions": True,
        }
        place["accessibility"] = ["wheelchair", "accessible_toilet"]
        place["tags"] = ["运动", "康复"]
    elif category == "elder_care.nursing_home":
        place["name"] = f"{district_name}{rng.choice(NURSING_HOME_WORDS)}{rng.choice(NURSING_HOME_KINDS)}"
        place["opening_hours"] = {"weekly": [{"days": EVERY_DAY, "opens": "08:00", "closes": "20:00"}]}
        beds = rng.randrange(60, 401, 10)
        place["attributes"] = {
            "beds_total": beds,
            "dementia_beds": rng.randrange(0, beds // 4, 2),
            "monthly_fee_yuan_from": rng.randrange(4500, 12001, 500),
            "accepts_long_term_care_insurance": rng.random() < 0.7,
        }
        place["accessibility"] = ["wheelchair", "accessible_toilet", "elevator"]
        place["tags"] = ["养老床位", "认知症照护"]
    elif category == "park.city":
        place["name"] = f"{area}社区公园"
        place["opening_hours"] = {"weekly": [{"days": EVERY_DAY, "opens": "05:00", "closes": "21:00"}]}
        place["attributes"] = {"park_type": "city", "area_ha": round(rng.uniform(2, 12), 1), "free_entry": True}
        place["accessibility"] = ["wheelchair", "accessible_toilet"]
    elif category == "park.pocket":
        place["name"] = rng.choice([f"{road}口袋公园", f"{area}街心花园"])
        place["opening_hours"] = ROUND_THE_CLOCK
        place["attributes"] = {"park_type": "pocket", "area_ha": round(rng.uniform(0.1, 0.9), 2), "free_entry": True}
        place["accessibility"] = ["wheelchair"]
    elif category == "transport.parking":
        place["name"] = rng.choice([f"{area}公共停车场", f"{road}公共停车库"])
        place["opening_hours"] = ROUND_THE_CLOCK
        spaces = rng.randrange(40, 601, 10)
        place["attributes"] = {
            "spaces_total": spaces,
            "fee_rule": rng.choice(
                ["首小时10元，之后每半小时5元", "每小时8元，24小时封顶60元", "首小时15元，之后每小时10元"]
            ),
            "ev_spaces": rng.randrange(0, spaces // 10 + 1),
        }
        place["accessibility"] = ["accessible_parking"]
        place["tags"] = ["停车"]
    elif category == "transport.ev_charging":
        operator = rng.choice(CHARGING_OPERATORS)
        place["name"] = f"{operator}充电站（{road}站）"
        place["opening_hours"] = ROUND_THE_CLOCK
        fast, slow = rng.randrange(4, 21), rng.randrange(0, 11)
        place["attributes"] = {
            "fast_connectors": fast,
            "slow_connectors": slow,
            "max_power_kw": rng.choice([60, 120, 160, 240]),
            "fee_rule": "电费+服务费，峰谷分时计价",
        }
        place["tags"] = ["新能源", "充电桩"]
    elif category == "convenience.toilet":
        place["name"] = rng.choice([f"{road}公共厕所", f"{area}公厕"])
        open_24h = rng.random() < 0.4
        place["opening_hours"] = (
            ROUND_THE_CLOCK if open_24h else {"weekly": [{"days": EVERY_DAY, "opens": "05:00", "closes": "22:00"}]}
        )
        place["attributes"] = {
            "toilet_class": rng.choice(["class_1", "class_2", "class_2", "class_3"]),
            "open_24h": open_24h,
            "third_restroom": rng.random() < 0.5,
            "baby_care_room": rng.random() < 0.3,
        }
        place["accessibility"] = ["wheelchair", "accessible_toilet"] if rng.random() < 0.7 else []
        place["tags"] = ["厕所", "卫生间"]
    elif category == "convenience.parcel_locker":
        operator = rng.choice(LOCKER_OPERATORS)
        place["name"] = f"{operator}智能快递柜（{road}{rng.randrange(1, 6)}号柜）"
        place["opening_hours"] = ROUND_THE_CLOCK
        place["attributes"] = {"operator": operator, "compartments": rng.randrange(60, 241, 12)}
        place["tags"] = ["快递"]
    elif category == "health.community_center":
        place["name"] = f"{area}社区卫生服务中心{road if road != area else ''}服务站"
        place["opening_hours"] = _weekday_hours("08:00", "16:30", saturday_until="11:30")
        place["attributes"] = {
            "services": rng.sample(
                ["全科门诊", "家庭医生签约", "预防接种", "慢病管理", "中医理疗", "康复护理", "老年人健康体检"], 4
            ),
            "family_doctor": True,
        }
        place["accessibility"] = ["wheelchair", "accessible_toilet"]
        place["tags"] = ["家庭医生", "配药"]
    else:
        raise ValueError(f"no sample template for {category}")
    named_road = next((road for road in anchor["roads"] if road in place["name"] and road != area), None)
    place["address"] = sample_address(district_name, street, named_road)
    if rng.random() < 0.15 and "wheelchair" in place["accessibility"]:
        place["accessibility"] = [*place["accessibility"], rng.choice(ACCESSIBILITY[3:])]
    return place


def generate_places(
    per_district: dict[str, int] | None = None, *, seed: int = 20261128, ref_prefix: str = "sample"
) -> Iterator[dict[str, Any]]:
    """Sample place rows for every district; `per_district` scales them (the benchmark asks for 100,000)."""
    per_district = per_district or PER_DISTRICT
    geography = read_json("district_geo.json")
    street_codes = street_codes_by_name()
    rng = random.Random(seed)
    for district in district_rows():
        code = district["code"]
        district_name = district["name"]
        anchors = geography[code]["anchors"]
        names_taken: dict[str, int] = {}
        for category, count in per_district.items():
            for index in range(count):
                if category in ONE_PER_STREET:
                    anchor = anchors[index % len(anchors)]
                else:
                    anchor = anchors[rng.randrange(len(anchors))]
                place = _listing(rng, category, anchor, district_name)
                # Anchors are few: a name met again in the district is told apart by its number.
                names_taken[place["name"]] = taken = names_taken.get(place["name"], 0) + 1
                if taken > 1:
                    place["name"] = f"{place['name']}（{taken}）"
                lat, lng = _point_in_circle(rng, anchor["lat"], anchor["lng"], anchor["radius_m"])
                yield {
                    "source_ref": f"{ref_prefix}:{code}:{category}:{index + 1}",
                    "category_code": category,
                    "district_code": code,
                    "street_code": street_codes.get((code, anchor["street"])),
                    "lat": lat,
                    "lng": lng,
                    "status": "published",
                    "is_sample": True,
                    "phones": [],
                    "name_en": None,
                    "description": None,
                    "capacity": None,
                    "available": None,
                    "available_updated_at": None,
                    **place,
                }
