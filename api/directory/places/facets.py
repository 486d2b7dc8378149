"""Facet counts (per category, per district) of every match of a place query, as residents read them."""

from collections.abc import Iterable
from typing import Any

from api.directory.catalogue.names import ReferenceNames
from api.http import Language, localized

# FacetCount fields (api.directory.schemas) as a plain dict, serialised with the page as summaries are.
FacetCounts = dict[str, list[dict[str, Any]]]


def facet_counts(rows: Iterable[Any], names: ReferenceNames, language: Language, facets: Iterable[str]) -> FacetCounts:
    """`rows`: counts per (category_code, district_code) as `matches`; the largest count first, then by code."""
    totals: dict[str, dict[str, list]] = {"category": {}, "district": {}}
    for row in rows:
        category, district = names.categories[row.category_code], names.districts[row.district_code]
        for facet, value, name, name_en in (
            ("category", row.category_code, category.name, category.name_en),
            ("district", row.district_code, district.name, district.name_en),
        ):
            entry = totals[facet].setdefault(value, [localized(language, name, name_en) or name, 0])
            entry[1] += row.matches
    return {
        facet: [
            {"value": value, "name": name, "count": count}
            for value, (name, count) in sorted(totals[facet].items(), key=lambda item: (-item[1][1], item[0]))
        ]
        for facet in facets
    }
