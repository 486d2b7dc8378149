"""Opening hours as residents live them: holidays, make-up workdays, late nights and one-off closures."""

from datetime import datetime

import pytest
from pydantic import ValidationError

from api.listings.hours import OpeningHours, is_open_at
from api.timestamps import SHANGHAI

CLINIC = {
    "weekly": [
        {"days": [1, 2, 3, 4, 5], "opens": "08:00", "closes": "16:30"},
        {"days": [6], "opens": "08:00", "closes": "11:30"},
    ],
    "on_holidays": "closed",
}
PARK = {"weekly": [{"days": [1, 2, 3, 4, 5, 6, 7], "opens": "06:00", "closes": "18:00"}]}
LATE_BAR_STREET = {"weekly": [{"days": [5, 6], "opens": "18:00", "closes": "02:00"}]}

# Read from the seeded database, as the app reads it when it starts.
pytestmark = pytest.mark.usefixtures("calendar_of_database")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_open_on_an_ordinary_weekday_and_closed_after_hours() -> None:
    assert is_open_at(CLINIC, at(2026, 11, 26, 9, 0)) is True  # Thursday
    assert is_open_at(CLINIC, at(2026, 11, 26, 16, 30)) is False
    assert is_open_at(CLINIC, at(2026, 11, 29, 10, 0)) is False  # Sunday


def test_closed_on_national_day_even_though_it_is_a_weekday() -> None:
    assert is_open_at(CLINIC, at(2026, 10, 1, 10, 0)) is False  # Thursday, 国庆节


def test_make_up_workday_opens_with_weekday_hours() -> None:
    # Saturday 10 October 2026 is a make-up workday after the National Day holiday.
    assert is_open_at(CLINIC, at(2026, 10, 10, 15, 0)) is True
    # An ordinary Saturday keeps Saturday's short hours.
    assert is_open_at(CLINIC, at(2026, 10, 17, 15, 0)) is False


def test_places_open_as_usual_ignore_the_holiday_calendar() -> None:
    assert is_open_at(PARK, at(2026, 10, 1, 10, 0)) is True
    assert is_open_at(PARK, at(2026, 10, 1, 19, 0)) is False


def test_hours_past_midnight_belong_to_the_evening_they_started() -> None:
    assert is_open_at(LATE_BAR_STREET, at(2026, 11, 27, 23, 30)) is True  # Friday night
    assert is_open_at(LATE_BAR_STREET, at(2026, 11, 28, 1, 30)) is True  # early Saturday, Friday's hours
    assert is_open_at(LATE_BAR_STREET, at(2026, 11, 30, 1, 30)) is False  # early Monday, nothing on Sunday


def test_dated_exceptions_override_the_week() -> None:
    hours = {**PARK, "exceptions": [{"date": "2026-11-26", "closed": True, "note": "设施检修"}]}
    assert is_open_at(hours, at(2026, 11, 26, 10, 0)) is False
    extended = {**PARK, "exceptions": [{"date": "2026-11-26", "opens": "06:00", "closes": "22:00"}]}
    assert is_open_at(extended, at(2026, 11, 26, 21, 0)) is True


def test_moment_is_read_in_shanghai_time_whatever_its_zone() -> None:
    from datetime import UTC

    # 01:30 UTC is 09:30 in Shanghai.
    assert is_open_at(CLINIC, datetime(2026, 11, 26, 1, 30, tzinfo=UTC)) is True


def test_unknown_hours_are_not_guessed() -> None:
    assert is_open_at(None, at(2026, 11, 26, 9, 0)) is None
    assert is_open_at({"weekly": []}, at(2026, 11, 26, 9, 0)) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"weekly": [{"days": [8], "opens": "08:00", "closes": "17:00"}]},
        {"weekly": [{"days": [1], "opens": "25:00", "closes": "17:00"}]},
        {"exceptions": [{"date": "2026-11-26"}]},
        {"weekly": [], "surprise": True},
    ],
)
def test_malformed_hours_are_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        OpeningHours.model_validate(bad)
