"""JSON Merge Patch as RFC 7396 defines it: the examples of its appendix A whose patch is an object (a listing's
patch always is), and the target left as it was."""

import copy
from typing import Any

import pytest

from api.curation.merge_patch import merge_patch

RFC_7396_EXAMPLES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ({"a": "foo"}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize(("target", "patch", "result"), RFC_7396_EXAMPLES)
def test_the_rfc_examples(target: dict[str, Any], patch: dict[str, Any], result: dict[str, Any]) -> None:
    kept = copy.deepcopy(target)
    assert merge_patch(target, patch) == result
    assert target == kept


def test_the_result_shares_nothing_with_the_patch() -> None:
    patch = {"tags": ["a"], "attributes": {"meal_times": [{"meal": "lunch"}]}}
    merged = merge_patch({}, patch)
    merged["tags"].append("b")
    merged["attributes"]["meal_times"][0]["meal"] = "dinner"
    assert patch == {"tags": ["a"], "attributes": {"meal_times": [{"meal": "lunch"}]}}
