"""Files to import, built in the tests: sample listings with obviously fake names and addresses, no phones."""

import csv
import io
import json
from typing import Any

import httpx

TOILET = "convenience.toilet"  # no required attributes: a row with coordinates and hours is complete
MEAL_SITE = "elder_care.meal_site"  # incomplete without its attributes (meal_times and price_yuan)
MEAL_ATTRIBUTES = {"meal_times": [{"meal": "lunch", "starts": "11:00", "ends": "13:00"}], "price_yuan": 12}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["source_id", "name", "category", "district", "address", "lat", "lng", "opening_hours"]


def sample_row(number: int, **overrides: Any) -> dict[str, Any]:
    """A complete public toilet in 徐汇区, spread on a grid about 300 m apart (no two resemble each other)."""
    row = {
        "source_id": f"T-{number:05d}",
        "name": f"测试公厕{number}号（测试数据）",
        "category": TOILET,
        "district": "310104",
        "address": f"徐汇区测试路{number}号（测试地址）",
        "lat": round(31.15 + (number % 40) * 0.003, 6),
        "lng": round(121.40 + (number // 40) * 0.0035, 6),
        "opening_hours": "Mo-Su 06:00-22:00",
    }
    return row | overrides


def meal_site_row(number: int, attributes: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A complete meal site (with its attributes as the `attributes` column's JSON) where `sample_row` puts it."""
    meal_site = {
        "source_id": f"M-{number:05d}",
        "name": f"测试助餐点{number}号（测试数据）",
        "category": MEAL_SITE,
        "address": f"徐汇区测试路{number}号助餐点（测试地址）",
        "opening_hours": "Mo-Fr 11:00-13:00; PH off",
        "attributes": json.dumps(MEAL_ATTRIBUTES if attributes is None else attributes, ensure_ascii=False),
    }
    return sample_row(number) | meal_site | overrides


def csv_file(rows: list[dict[str, Any]], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    header = header or list(rows[0])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key in header])
    return buffer.getvalue().encode(encoding)


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    filename: str = "places.csv",
    content_type: str = "text/csv",
    **form: bool,
) -> httpx.Response:
    return await client.post(
        "/v1/manage/imports",
        headers=headers,
        files={"file": (filename, content, content_type)},
        data={name: "true" if value else "false" for name, value in form.items()},
    )
