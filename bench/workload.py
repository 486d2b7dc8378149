"""Request paths for each benchmark mix, drawn from realistic distributions over the loaded data.

Popular listings are asked for more often (Zipf-like ids), words come with the weights residents type them,
points are real listing locations moved up to 300 m, so no response cache alone could carry a mix.
"""

import random
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from models import District, Place

# Everyday words and how often residents type them (relative weights).
WORDS = {
    "厕所": 10,
    "停车": 9,
    "公园": 8,
    "养老院": 5,
    "助餐": 5,
    "长者食堂": 4,
    "充电": 4,
    "快递": 3,
    "卫生服务中心": 4,
    "看病": 3,
    "为老服务中心": 2,
    "口袋公园": 2,
    "老人 吃饭": 2,
    "yanglao": 1,
    "gongce": 1,
    "tingche": 1,
    "运动": 2,
    "护理院": 1,
    "停车场": 3,
    "公厕": 3,
}
RADII = [500, 1000, 1000, 2000, 3000]


def _zipf_ids(rng: random.Random, ids: list[int], count: int) -> list[int]:
    ranked = ids[:]
    rng.shuffle(ranked)
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(ranked))]
    return rng.choices(ranked, weights=weights, k=count)


def _word(rng: random.Random, roads: list[str]) -> str:
    if roads and rng.random() < 0.15:
        return rng.choice(roads)  # a road name, as residents search for what is on their street
    return rng.choices(list(WORDS), weights=list(WORDS.values()))[0]


def _point(rng: random.Random, points: list[tuple[float, float]]) -> str:
    lat, lng = rng.choice(points)
    return f"{lat + rng.uniform(-0.0027, 0.0027):.6f},{lng + rng.uniform(-0.0031, 0.0031):.6f}"


def write_mixes(connection: Connection, folder: Path, count: int = 20000, seed: int = 11) -> dict[str, Path]:
    rng = random.Random(seed)
    rows = connection.execute(select(Place.id, Place.lat, Place.lng).where(Place.status == "published")).all()
    ids = [row.id for row in rows]
    points = [(row.lat, row.lng) for row in rows]
    districts = connection.execute(select(District.code)).scalars().all()
    roads = sorted(
        {
            name.split("公共")[0]
            for name in connection.execute(
                select(Place.name).where(Place.name.like("%路公共厕所")).limit(500)
            ).scalars()
        }
    )
    mixes = {
        "detail": [f"/v1/places/{place_id}" for place_id in _zipf_ids(rng, ids, count)],
        "q_district": [
            "/v1/places?" + urlencode({"q": _word(rng, roads), "district": rng.choice(districts)}) for _ in range(count)
        ],
        "near_distance": [
            "/v1/places?" + urlencode({"near": _point(rng, points), "radius_m": rng.choice(RADII), "sort": "distance"})
            for _ in range(count)
        ],
        "q_near_open_facets": [
            "/v1/places?"
            + urlencode(
                {
                    "q": _word(rng, roads),
                    "near": _point(rng, points),
                    "radius_m": rng.choice(RADII),
                    "open_now": "true",
                    "facets": "category,district",
                }
            )
            for _ in range(count)
        ],
        "ceiling": ["/healthz"] * 10,
    }
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, paths in mixes.items():
        files[name] = folder / f"{name}.txt"
        files[name].write_text("\n".join(paths) + "\n", encoding="utf-8")
    return files
