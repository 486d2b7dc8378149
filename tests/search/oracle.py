"""The meaning of each labelled query, judged on the seed's own fields, independently of the search index.

A place is expected when it is published and every key of `expect` holds:
  category        list of codes; a parent code includes its children
  district        list of district codes
  street          list of street (街道/镇) codes
  name_contains   list of substrings; the Chinese or English name contains at least one (case-insensitive)
  name_excludes   list of substrings; the name contains none of them
  attribute       {"key": value}: category attributes equal (a list attribute contains the value)
  any_of          list of `expect` objects, at least one of which holds
"""

from typing import Any

from models import Place


def _in_category(code: str, wanted: list[str]) -> bool:
    return any(code == w or code.startswith(w + ".") for w in wanted)


def _attribute_holds(attributes: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key, value in wanted.items():
        actual = attributes.get(key)
        if isinstance(actual, list) and value in actual:
            continue
        if actual != value:
            return False
    return True


def expected(place: Place, expect: dict[str, Any]) -> bool:
    names = [(place.name or "").lower(), (place.name_en or "").lower()]
    checks = {
        "category": lambda v: _in_category(place.category_code, v),
        "district": lambda v: place.district_code in v,
        "street": lambda v: place.street_code in v,
        "name_contains": lambda v: any(s.lower() in n for s in v for n in names),
        "name_excludes": lambda v: not any(s.lower() in n for s in v for n in names),
        "attribute": lambda v: _attribute_holds(place.attributes or {}, v),
        "any_of": lambda v: any(expected(place, option) for option in v),
    }
    unknown = set(expect) - set(checks)
    if unknown:
        raise ValueError(f"unknown oracle keys {unknown}")
    return all(checks[key](value) for key, value in expect.items())
