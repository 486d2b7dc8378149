"""Reference data as residents receive it: districts, streets and the category tree."""

from collections.abc import Sequence

from api.directory.catalogue.schemas import CategoryNode, DistrictPublic, LatLng, StreetPublic
from api.http import Language, localized
from models import Category, District, Street


def district(row: District, language: Language) -> DistrictPublic:
    return DistrictPublic(
        code=row.code,
        name=localized(language, row.name, row.name_en) or row.name,
        name_zh=row.name,
        name_en=row.name_en,
        center=LatLng(lat=row.center_lat, lng=row.center_lng),
    )


def street(row: Street) -> StreetPublic:
    return StreetPublic(code=row.code, name=row.name, kind=row.kind, is_special=row.is_special)


def category_tree(rows: Sequence[Category], language: Language) -> list[CategoryNode]:
    """The roots, each with its children nested, in the order of `rows`."""
    nodes = {
        row.code: CategoryNode(
            code=row.code,
            name=localized(language, row.name, row.name_en) or row.name,
            name_zh=row.name,
            name_en=row.name_en,
            kind=row.kind,
            live_capacity_unit=row.live_capacity_unit,
            children=[],
        )
        for row in rows
    }
    roots = []
    for row in rows:
        parent = nodes.get(row.parent_code) if row.parent_code else None
        (parent.children if parent else roots).append(nodes[row.code])
    return roots
