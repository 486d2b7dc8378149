"""One row of an import file read into a listing's fields, with each problem named by column and a stable code.

The reference data (districts, streets, categories) is read once per file; a row is then checked in memory.
Errors reject the row; warnings keep it (and are stored on the listing where an operator must look at them).
"""

import json
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.formats.osm_hours import OsmHoursError, canonical_hours, parse_osm_hours
from api.curation.imports.columns import HeaderMatch
from api.curation.places.fields import PlaceFields, attribute_problems
from api.deps import Principal
from api.geo import CoordSystem, to_wgs84
from api.http import holds_nul
from api.listings.attributes import ATTRIBUTE_SCHEMAS
from api.listings.derived import ACCESSIBILITY_FEATURES
from models import Category, District, Street

# Far enough around the city to hold every district, islands included; a point outside is probably a typo or
# swapped coordinates, but it is kept (with a warning) since it may be right.
SHANGHAI_BOX = (30.6, 31.95, 120.8, 122.25)  # south, north, west, east
COORD_SYSTEMS: tuple[CoordSystem, ...] = ("wgs84", "gcj02", "bd09")
# Converted coordinates keep seven decimals (about a centimetre): more is noise from the iteration.
CONVERTED_DECIMALS = 7
LIST_SEPARATORS = (";", "；", "、")
# The file's columns that feed each of the listing's fields (for naming the column of a field's problem).
FIELD_COLUMNS = {"location": "lat", "phones": "phone"}
EMPTY_FIELDS: dict[str, Any] = {
    "name_en": None,
    "street": None,
    "address_en": None,
    "location": None,
    "phones": [],
    "website": None,
    "opening_hours": None,
    "accessibility": [],
    "languages": [],
    "tags": [],
    "attributes": {},
    "capacity": None,
    "description": None,
    "source_id": None,
}


@dataclass
class Issue:
    row: int
    field: str | None
    severity: str  # error | warning
    code: str
    message: str
    place_id: int | None = None
    duplicate_of: int | None = None
    heading: str | None = None  # a column the file names that is none of the import's

    def as_dict(self, headings: dict[str, str]) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "row": self.row,
            "column": self.heading or (headings.get(self.field, self.field) if self.field else None),
            "field": self.field,
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }
        if self.place_id is not None:
            issue["place_id"] = self.place_id
        if self.duplicate_of is not None:
            issue["duplicate_of"] = self.duplicate_of
        return issue


@dataclass
class References:
    """Districts, streets and categories, read once per file."""

    district_names: dict[str, str]
    district_by_name: dict[str, str]
    street_district: dict[str, str]
    street_by_name: dict[tuple[str, str], str]
    # Per district, (text to look for, street code), longest first: what inference looks for in an address.
    street_patterns: dict[str, list[tuple[str, str]]]
    categories: frozenset[str]
    live_categories: frozenset[str]

    @classmethod
    async def load(cls, session: AsyncSession) -> "References":
        districts = (await session.execute(select(District.code, District.name, District.name_en))).all()
        by_name: dict[str, str] = {}
        for code, name, name_en in districts:
            for alias in (name, name.removesuffix("区").removesuffix("新"), name_en):
                by_name.setdefault(alias.casefold(), code)
        streets = (await session.execute(select(Street.code, Street.district_code, Street.name))).all()
        patterns: dict[str, list[tuple[str, str]]] = {}
        for code, district, name in streets:
            patterns.setdefault(district, []).append((name, code))
            short = name.removesuffix("街道")
            if short != name and len(short) >= 3:
                patterns[district].append((short, code))
        for entries in patterns.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        categories = (await session.execute(select(Category.code, Category.live_capacity_unit, Category.kind))).all()
        return cls(
            district_names={code: name for code, name, _ in districts},
            district_by_name=by_name,
            street_district={code: district for code, district, _ in streets},
            street_by_name={(district, name): code for code, district, name in streets},
            street_patterns=patterns,
            categories=frozenset(code for code, _, kind in categories if kind == "place" and code in ATTRIBUTE_SCHEMAS),
            live_categories=frozenset(code for code, unit, kind in categories if kind == "place" and unit),
        )

    def district(self, text: str) -> str | None:
        return text if text in self.district_names else self.district_by_name.get(text.casefold())

    def street(self, district: str, text: str) -> str | None:
        if self.street_district.get(text) == district:
            return text
        return self.street_by_name.get((district, text))

    def inferred_street(self, district: str, *texts: str | None) -> str | None:
        """The street whose name the text holds (the longest name found; none when two streets tie)."""
        for text in texts:
            if not text:
                continue
            found = [(name, code) for name, code in self.street_patterns.get(district, []) if name in text]
            if found:
                longest = len(found[0][0])
                codes = {code for name, code in found if len(name) == longest}
                return codes.pop() if len(codes) == 1 else None
        return None


@dataclass
class ParsedRow:
    """What one row says: the fields it sets (stored form, only the file's columns), its live figure, its issues."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    available: int | None = None
    sets_available: bool = False
    issues: list[Issue] = field(default_factory=list)
    street_from_file: bool = False

    @property
    def rejected(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)

    def error(self, column: str | None, code: str, message: str, place_id: int | None = None) -> None:
        self.issues.append(Issue(self.number, column, "error", code, message, place_id))

    def warn(self, column: str | None, code: str, message: str, place_id: int | None = None) -> None:
        self.issues.append(Issue(self.number, column, "warning", code, message, place_id))


def _split(text: str) -> list[str]:
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]


def _integer(row: ParsedRow, column: str, text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        row.error(column, "invalid_number", f"{text!r} is not a whole number of zero or more")
        return None
    return int(number)


def _coordinate(row: ParsedRow, column: str, text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        row.error(column, "invalid_coordinates", f"{text!r} is not a number of degrees")
        return None
    return value


def _refuse_constant(name: str) -> float:
    # NaN and Infinity are not JSON (RFC 8259); Python's reader takes them, PostgreSQL's JSON would refuse them.
    raise ValueError(f"{name} is not a JSON number")


def _attributes(row: ParsedRow, text: str) -> dict[str, Any] | None:
    """The cell's JSON object (whether it fits the category is checked with the whole listing)."""
    try:
        attributes = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        hint = ': write straight quotes ("), not “ ”' if "“" in text or "”" in text else ""
        row.error("attributes", "invalid_attributes", f"not JSON ({error}){hint}")
        return None
    if not isinstance(attributes, dict):
        row.error("attributes", "invalid_attributes", 'not a JSON object: write {"name": value, …}')
        return None
    if holds_nul(attributes):
        row.error("attributes", "invalid_attributes", "text may not hold the NUL character (\\u0000)")
        return None
    return attributes


def _location(row: ParsedRow, cells: dict[str, str]) -> dict[str, float] | None:
    lat_text, lng_text = cells.get("lat", ""), cells.get("lng", "")
    system = (cells.get("coord") or "wgs84").lower().replace("-", "").replace("_", "")
    if system not in COORD_SYSTEMS:
        row.error("coord", "unknown_coord", f"{cells['coord']!r}: the coordinate system is wgs84, gcj02 or bd09")
        return None
    if not lat_text and not lng_text:
        return None
    if not lat_text or not lng_text:
        missing = "lat" if not lat_text else "lng"
        row.error(missing, "invalid_coordinates", "give both lat and lng, or neither")
        return None
    lat, lng = _coordinate(row, "lat", lat_text), _coordinate(row, "lng", lng_text)
    if lat is None or lng is None:
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        row.error("lat", "invalid_coordinates", f"({lat}, {lng}) is not a point on Earth: lat and lng swapped?")
        return None
    if system != "wgs84":
        converted = to_wgs84(lat, lng, system)  # type: ignore[arg-type]
        lat, lng = (round(value, CONVERTED_DECIMALS) for value in converted)
    south, north, west, east = SHANGHAI_BOX
    if not (south <= lat <= north and west <= lng <= east):
        row.warn("lat", "outside_shanghai", f"({lat}, {lng}) lies outside Shanghai: check the coordinates")
    return {"lat": lat, "lng": lng}


def parse_row(
    number: int, cells: list[str], header: HeaderMatch, references: References, principal: Principal
) -> ParsedRow:
    """The row's own checks: each cell alone and against the reference data (no other listing is looked at)."""
    row = ParsedRow(number)
    given = {key: cells[index] for key, index in header.positions.items()}
    values = row.values
    for key in ("name", "category", "district", "address"):
        if not given.get(key):
            row.error(key, "required", f"{key} is required")
    if category := given.get("category"):
        if category in references.categories:
            values["category"] = category
        else:
            row.error("category", "unknown_category", f"{category!r} is not a category of places (/v1/categories)")
    district = None
    if district_text := given.get("district"):
        district = references.district(district_text)
        if district is None:
            row.error("district", "unknown_district", f"{district_text!r} is not a district of Shanghai")
        elif not principal.reaches(district):
            row.error("district", "district_not_granted", f"district {district} is not one of your districts")
        else:
            values["district"] = district
    for key in ("name", "address", "name_en", "address_en", "website", "description", "source_id"):
        if key in given:
            values[key] = given[key] or None
    if "street" in given and given["street"] and district is not None:
        row.street_from_file = True
        street = references.street(district, given["street"])
        if street is None:
            row.error("street", "unknown_street", f"{given['street']!r} is not a street or town of {district}")
        values["street"] = street
    elif "street" in given:
        values["street"] = None
    if {"lat", "lng", "coord"} & given.keys():
        values["location"] = _location(row, given)
    if "phone" in given:
        values["phones"] = _split(given["phone"])
    if "opening_hours" in given:
        values["opening_hours"] = None
        if given["opening_hours"]:
            try:
                values["opening_hours"] = parse_osm_hours(given["opening_hours"])
            except OsmHoursError as error:
                row.error("opening_hours", error.code, error.message)
    if "accessibility" in given:
        features = _split(given["accessibility"])
        if unknown := [feature for feature in features if feature not in ACCESSIBILITY_FEATURES]:
            row.error(
                "accessibility",
                "unknown_accessibility",
                f"{', '.join(unknown)}: the features are {', '.join(ACCESSIBILITY_FEATURES)}",
            )
        values["accessibility"] = list(dict.fromkeys(features))
    for key in ("languages", "tags"):
        if key in given:
            values[key] = _split(given[key])
    if "attributes" in given:
        values["attributes"] = _attributes(row, given["attributes"]) if given["attributes"] else {}
    if "capacity" in given:
        values["capacity"] = _integer(row, "capacity", given["capacity"]) if given["capacity"] else None
    if given.get("available"):
        row.sets_available = True
        row.available = _integer(row, "available", given["available"])
        if values.get("category") and values["category"] not in references.live_categories:
            row.error("available", "no_live_capacity", f"listings of {values['category']} have no live figures")
    return row


def infer_street(row: ParsedRow, merged: dict[str, Any], references: References) -> None:
    """A new listing without a street takes the one its address or name names (with a warning to check it)."""
    if merged["street"] is not None or row.street_from_file:
        return
    street = references.inferred_street(merged["district"], merged["address"], merged["name"])
    if street is not None:
        merged["street"] = street
        row.warn("street", "street_inferred", f"street {street} taken from the address or name: check it")


def _same_text(old: Any, new: Any) -> bool:
    return isinstance(old, str) and isinstance(new, str) and old.strip() == new


def _same_hours(old: Any, new: Any) -> bool:
    """Stored hours written differently (rules in another order) that mean what the file's hours mean."""
    if not old or not new or old == new:
        return old == new
    try:
        return canonical_hours(old) == new
    except (OsmHoursError, ValueError):
        return False


def merged_fields(row: ParsedRow, base: dict[str, Any] | None, references: References) -> PlaceFields | None:
    """The listing the row makes: `base` (the listing it updates, or nothing) with the file's columns over it.
    Text that differs from the stored text only by surrounding spaces (which files lose), and hours that mean the
    stored hours, keep what is stored.
    None, with the problems added to the row, when the result would not be a valid listing."""
    merged = dict(base or EMPTY_FIELDS)
    for key, value in row.values.items():
        if base is not None and (
            _same_text(base.get(key), value) or key == "opening_hours" and _same_hours(base[key], value)
        ):
            continue
        merged[key] = value
    if base is None:  # a listing's street is not changed behind its operator's back
        infer_street(row, merged, references)
    try:
        fields = PlaceFields.model_validate(merged)
    except ValidationError as exc:
        for error in exc.errors():
            field_name = str(error["loc"][0]) if error["loc"] else None
            column = FIELD_COLUMNS.get(field_name or "", field_name)
            code = {"phones": "invalid_phone", "website": "invalid_website"}.get(field_name or "", "invalid_value")
            row.error(column, code, f"{'.'.join(map(str, error['loc']))}: {error['msg']}")
        return None
    # Checked on the merged listing: attributes kept from before must fit a category the file changes too.
    if problems := attribute_problems(fields.category, fields.attributes, complete=False):
        for problem in problems:
            name = ".".join(str(part) for part in problem["loc"][1:])
            row.error("attributes", "invalid_attributes", f"{name}: {problem['msg']}")
        return None
    return fields
