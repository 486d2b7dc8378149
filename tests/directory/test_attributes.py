"""Each category's attributes are checked against its own schema before they are stored."""

import pytest

from api.errors import ValidationFailed
from api.listings.attributes import validate_attributes


def test_nursing_home_beds_are_typed_and_defaults_filled() -> None:
    stored = validate_attributes("elder_care.nursing_home", {"beds_total": 120, "dementia_beds": 20})
    assert stored["beds_total"] == 120
    assert stored["accepts_long_term_care_insurance"] is False


def test_more_dementia_beds_than_beds_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        validate_attributes("elder_care.nursing_home", {"beds_total": 10, "dementia_beds": 20})


def test_unknown_attribute_is_refused_with_its_location() -> None:
    with pytest.raises(ValidationFailed) as raised:
        validate_attributes("convenience.toilet", {"toilet_class": "class_1", "gold_taps": True})
    assert raised.value.errors and raised.value.errors[0]["loc"] == ["attributes", "gold_taps"]


def test_meal_site_needs_meal_times_and_a_price() -> None:
    with pytest.raises(ValidationFailed):
        validate_attributes("elder_care.meal_site", {"price_yuan": 15})
    stored = validate_attributes(
        "elder_care.meal_site",
        {"meal_times": [{"meal": "lunch", "starts": "10:30", "ends": "13:00"}], "price_yuan": 15},
    )
    assert stored["meal_times"][0]["meal"] == "lunch"


def test_park_type_must_match_the_category() -> None:
    with pytest.raises(ValidationFailed):
        validate_attributes("park.pocket", {"park_type": "country", "area_ha": 0.5})
    assert validate_attributes("park.pocket", {"park_type": "pocket", "area_ha": 0.5})["area_ha"] == 0.5


def test_parent_categories_hold_no_places() -> None:
    with pytest.raises(ValidationFailed):
        validate_attributes("elder_care", {})
