"""What the listings' pages show beside the form: the choices of a category, a street, a district, a filter, in the
reader's language, and a stored value (hours, coordinates, a list) as text for the differences between versions."""

import json
from typing import Any

from fastapi import Request

from api.console.i18n import N_, language_of, text
from api.console.listings.form import ACCESSIBILITY_LABELS, FIELD_LABELS, STATUS_LABELS
from api.curation.formats.osm_hours import format_osm_hours
from api.listings.attributes import ATTRIBUTE_SCHEMAS
from models import Category, District, Street

Options = list[tuple[str, str]]
NOTHING = "—"


def _name(row: Category | District, language: str) -> str:
    return row.name if language == "zh" or not row.name_en else row.name_en


def category_names(categories: list[Category], request: Request) -> dict[str, str]:
    """Each category's name as the reader reads it; a subcategory after its parent's (为老服务 · 老年助餐场所)."""
    language = language_of(request)
    names = {row.code: _name(row, language) for row in categories}
    return {
        row.code: f"{names[row.parent_code]} · {names[row.code]}" if row.parent_code in names else names[row.code]
        for row in categories
    }


def category_options(categories: list[Category], request: Request, *, listable_only: bool) -> Options:
    """Categories to choose from: every one for a filter (a parent takes in its children), for a listing only
    those a listing can be of (the ones with their attributes)."""
    names = category_names(categories, request)
    return [(row.code, names[row.code]) for row in categories if not listable_only or row.code in ATTRIBUTE_SCHEMAS]


def district_options(districts: list[District], request: Request) -> Options:
    language = language_of(request)
    return [(row.code, _name(row, language)) for row in districts]


def street_options(streets: list[Street], districts: list[District], request: Request) -> Options:
    """Streets and towns; when they lie in several districts, each with its district's name."""
    district_names = dict(district_options(districts, request))
    several = len({row.district_code for row in streets}) > 1
    return [
        (row.code, f"{row.name}（{district_names.get(row.district_code, row.district_code)}）" if several else row.name)
        for row in streets
    ]


def field_label(request: Request, field: str) -> str:
    """A field of a version's changes in words (`attributes.price_yuan`: the attributes' label and the key)."""
    if field.startswith("attributes."):
        return f"{text(request, FIELD_LABELS['attributes'])}: {field.removeprefix('attributes.')}"
    return text(request, FIELD_LABELS.get(field, field))


def _item(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, dict | list) else str(value)


def shown_value(request: Request, field: str, value: Any, names: dict[str, dict[str, str]] | None = None) -> str:
    """A stored value as text, as the form writes it (hours in the opening_hours syntax, lists with `;`); a code
    by its name where `names` has it (`{"category": {code: name}, "street": {code: name}}`)."""
    if value is None or value == "" or value == [] or value == {}:
        return NOTHING
    if names and isinstance(value, str) and value in names.get(field, {}):
        return names[field][value]
    if field == "opening_hours" and isinstance(value, dict):
        try:
            return format_osm_hours(value)
        except ValueError:
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if field == "location" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lng')}"
    if field == "status":
        return text(request, STATUS_LABELS.get(value, value))
    if field == "accessibility" and isinstance(value, list):
        return "; ".join(text(request, ACCESSIBILITY_LABELS.get(item, item)) for item in value)
    if isinstance(value, list):
        return "; ".join(_item(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return text(request, N_("Yes") if value else N_("No"))
    return str(value)


def code_names(categories: list[Category], streets: list[Street], request: Request) -> dict[str, dict[str, str]]:
    """The names `shown_value` gives the category and street codes of a listing's versions."""
    return {"category": category_names(categories, request), "street": {row.code: row.name for row in streets}}


def visible_changes(request: Request, changes: list[Any], names: dict[str, dict[str, str]]) -> list[Any]:
    """The changes a reader can see (an empty list becoming nothing, as a new listing's first version has, is
    none)."""
    return [
        change
        for change in changes
        if shown_value(request, _base(_get(change, "field")), _get(change, "old"), names)
        != shown_value(request, _base(_get(change, "field")), _get(change, "new"), names)
    ]


def _get(change: Any, key: str) -> Any:
    return change[key] if isinstance(change, dict) else getattr(change, key)


def _base(field: str) -> str:
    return field.partition(".")[0]
