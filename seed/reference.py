"""Real reference data: Shanghai's districts and street-level units, and the directory's taxonomy."""

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

from api.geo import gcj02_to_wgs84

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISIONS_DIR = DATA_DIR / "admin-divisions"


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_json(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def street_kind(code: str, name: str) -> str:
    # The 7th digit 4 or 5 marks development zones, industrial parks and farms (NBS coding rules).
    if code[6] in "45":
        return "special"
    if name.endswith("街道"):
        return "street"
    if name.endswith("乡"):
        return "township"
    return "town"


@cache
def district_rows() -> list[dict[str, Any]]:
    english = {row["code"]: row["name_en"] for row in read_csv(DATA_DIR / "district_names_en.csv")}
    centres = {
        row["adcode"][:6]: (float(row["latitude"]), float(row["longitude"]))
        for row in read_csv(DIVISIONS_DIR / "district_centers_gcj02.csv")
    }
    rows = []
    for position, row in enumerate(read_csv(DIVISIONS_DIR / "districts.csv")):
        lat, lng = gcj02_to_wgs84(*centres[row["code"]])
        rows.append(
            {
                "code": row["code"],
                "name": row["name"],
                "name_en": english[row["code"]],
                "center_lat": round(lat, 6),
                "center_lng": round(lng, 6),
                "sort_order": position,
            }
        )
    return rows


@cache
def street_rows() -> list[dict[str, Any]]:
    rows = []
    for row in read_csv(DIVISIONS_DIR / "streets.csv"):
        kind = street_kind(row["code"], row["name"])
        rows.append(
            {
                "code": row["code"],
                "district_code": row["areaCode"],
                "name": row["name"],
                "kind": kind,
                "is_special": kind == "special",
            }
        )
    return rows


@cache
def category_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": row["code"],
            "parent_code": row.get("parent"),
            "name": row["name"],
            "name_en": row["name_en"],
            "kind": row["kind"],
            "live_capacity_unit": row.get("live_capacity_unit"),
            "sort_order": position,
        }
        for position, row in enumerate(read_json("categories.json"))
    ]


def street_codes_by_name() -> dict[tuple[str, str], str]:
    """(district code, street name) → street code."""
    return {(row["district_code"], row["name"]): row["code"] for row in street_rows()}
