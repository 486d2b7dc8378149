"""Editorial seed content: real landmark places, city events, health articles and one-thing bundles."""

from datetime import datetime
from typing import Any

from seed.reference import read_json, street_codes_by_name


def landmark_place_rows() -> list[dict[str, Any]]:
    street_codes = street_codes_by_name()
    rows = []
    for item in read_json("landmark_places.json"):
        attributes = dict(item.get("attributes") or {})
        capacity = attributes.get("spaces_total") if item["category"] == "transport.parking" else None
        rows.append(
            {
                "source_ref": item["ref"],
                "category_code": item["category"],
                "name": item["name"],
                "name_en": item.get("name_en"),
                "description": None,
                "address": item["address"],
                "district_code": item["district"],
                "street_code": street_codes.get((item["district"], item.get("street") or "")),
                "lat": item["lat"],
                "lng": item["lng"],
                "phones": [item["phone"]] if item.get("phone") else [],
                "opening_hours": item.get("opening_hours"),
                "accessibility": ["wheelchair", "accessible_toilet"],
                "languages": ["zh", "en"] if item.get("name_en") else ["zh"],
                "tags": [],
                "attributes": attributes,
                "capacity": capacity,
                "available": None,
                "available_updated_at": None,
                "status": "published",
                # Names, addresses and places are real; hours and figures are typical, not checked daily.
                "is_sample": False,
            }
        )
    return rows


def event_rows(venue_ids: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "source_ref": item["ref"],
            "category_code": item["category"],
            "title": item["title"],
            "title_en": item.get("title_en"),
            "summary": item.get("summary"),
            "body": item.get("body"),
            "starts_at": datetime.fromisoformat(item["starts_at"]),
            "ends_at": datetime.fromisoformat(item["ends_at"]),
            "venue_place_id": venue_ids.get(item.get("venue_name") or ""),
            "venue_name": item.get("venue_name"),
            "address": item.get("address"),
            "district_code": item.get("district"),
            "lat": item.get("lat"),
            "lng": item.get("lng"),
            "organizer": item.get("organizer"),
            "registration": item.get("registration"),
            "status": "published",
            "is_sample": bool(item.get("sample", True)),
        }
        for item in read_json("events.json")
    ]


def article_rows() -> list[dict[str, Any]]:
    return [
        {
            "source_ref": item["ref"],
            "title": item["title"],
            "title_en": item.get("title_en"),
            "topic": item["topic"],
            "audience": item["audience"],
            "summary": item.get("summary"),
            "body": item["body"],
            "expert": item.get("expert"),
            "published_at": datetime.fromisoformat(item["published_at"]),
            "status": "published",
            "is_sample": bool(item.get("sample", True)),
        }
        for item in read_json("articles.json")
    ]


def bundle_rows() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    bundles = []
    for item in read_json("bundles.json"):
        bundle = {
            "code": item["code"],
            "name": item["name"],
            "name_en": item.get("name_en"),
            "summary": item.get("summary"),
            "lead_department": item.get("lead_department"),
            "channels": item.get("channels") or [],
            "questions": item.get("questions") or [],
            "status": "published",
            "is_sample": True,
        }
        matters = [
            {
                "bundle_code": item["code"],
                "code": matter["code"],
                "position": position,
                "name": matter["name"],
                "name_en": matter.get("name_en"),
                "department": matter["department"],
                "legal_days": matter.get("legal_days"),
                "promised_days": matter["promised_days"],
                "online_depth": matter["online_depth"],
                "fee_yuan": matter.get("fee_yuan") or 0,
                "fee_note": matter.get("fee_note"),
                "applies_when": matter.get("applies_when") or {},
                "materials": matter.get("materials") or [],
            }
            for position, matter in enumerate(item["matters"])
        ]
        bundles.append((bundle, matters))
    return bundles
