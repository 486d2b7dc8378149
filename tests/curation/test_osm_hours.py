"""The opening hours of a spreadsheet cell (OpenStreetMap syntax) become the directory's structured hours and
back: what operators write is read with OpenStreetMap's meaning, what the model cannot hold is refused with the
part named, and every stored value writes out as text that reads back to the same hours."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.curation.formats.osm_hours import OsmHoursError, canonical_hours, format_osm_hours, parse_osm_hours
from api.listings.hours import OpeningHours, intervals_on


def weekly(*rules: tuple[list[int], str, str]) -> list[dict]:
    return [{"days": days, "opens": opens, "closes": closes} for days, opens, closes in rules]


WEEKDAYS = [1, 2, 3, 4, 5]
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("text", "expected_weekly", "on_holidays", "canonical"),
    [
        (
            "Mo-Fr 11:00-13:00; Sa 09:00-12:00; PH off",
            weekly((WEEKDAYS, "11:00", "13:00"), ([6], "09:00", "12:00")),
            "closed",
            "Mo-Fr 11:00-13:00; Sa 09:00-12:00; PH off",
        ),
        ("24/7", weekly((EVERY_DAY, "00:00", "24:00")), "as_usual", "24/7"),
        ("Mo-Su 00:00-24:00; PH off", weekly((EVERY_DAY, "00:00", "24:00")), "closed", "24/7; PH off"),
        (
            "Mo-Fr 08:00-11:30,13:00-17:00; Sa,Su off",
            weekly((WEEKDAYS, "08:00", "11:30"), (WEEKDAYS, "13:00", "17:00")),
            "as_usual",
            "Mo-Fr 08:00-11:30,13:00-17:00",
        ),
        ("Mo,We,Fr 09:00-12:00", weekly(([1, 3, 5], "09:00", "12:00")), "as_usual", "Mo,We,Fr 09:00-12:00"),
        ("Sa-Su 10:00-16:00", weekly(([6, 7], "10:00", "16:00")), "as_usual", "Sa,Su 10:00-16:00"),
        ("Fr-Mo 18:00-23:00", weekly(([1, 5, 6, 7], "18:00", "23:00")), "as_usual", "Mo,Fr-Su 18:00-23:00"),
        ("10:00-18:00; We off", weekly(([1, 2, 4, 5, 6, 7], "10:00", "18:00")), "as_usual", "Mo,Tu,Th-Su 10:00-18:00"),
        (
            "Mo-Fr 08:00-12:00, We 14:00-16:00",
            weekly((WEEKDAYS, "08:00", "12:00"), ([3], "14:00", "16:00")),
            "as_usual",
            "Mo,Tu,Th,Fr 08:00-12:00; We 08:00-12:00,14:00-16:00",
        ),
        ("Fr,Sa 20:00-26:00", weekly(([5, 6], "20:00", "02:00")), "as_usual", "Fr,Sa 20:00-02:00"),
        (
            "Mo-Su 09:00-17:00; Su,PH 10:00-16:00",
            weekly(([1, 2, 3, 4, 5, 6], "09:00", "17:00"), ([7], "10:00", "16:00")),
            "sunday_hours",
            "Mo-Sa 09:00-17:00; Su 10:00-16:00; PH 10:00-16:00",
        ),
        (
            "  mo-fr 8:00～17:00；ph off ",
            weekly((WEEKDAYS, "08:00", "17:00")),
            "closed",
            "Mo-Fr 08:00-17:00; PH off",
        ),
        ("PH off", [], "closed", "PH off"),
        ("", [], "as_usual", ""),
    ],
)
def test_opening_hours_read_with_their_openstreetmap_meaning(
    text: str, expected_weekly: list[dict], on_holidays: str, canonical: str
) -> None:
    hours = parse_osm_hours(text)
    assert hours["weekly"] == expected_weekly
    assert hours["on_holidays"] == on_holidays
    assert format_osm_hours(hours) == canonical


def test_dated_exceptions_hold_closures_special_hours_and_notes() -> None:
    hours = parse_osm_hours('Mo-Fr 09:00-17:00; PH off; 2026 Dec 25 off; 2026 Dec 24 10:00-14:00 "平安夜提前关门"')
    assert hours["exceptions"] == [
        {"date": "2026-12-24", "closed": False, "opens": "10:00", "closes": "14:00", "note": "平安夜提前关门"},
        {"date": "2026-12-25", "closed": True, "opens": None, "closes": None, "note": None},
    ]
    assert format_osm_hours(hours) == (
        'Mo-Fr 09:00-17:00; PH off; 2026 Dec 24 10:00-14:00 "平安夜提前关门"; 2026 Dec 25 off'
    )


def test_a_later_rule_replaces_the_days_it_names() -> None:
    hours = parse_osm_hours("Mo-Sa 08:00-20:00; Sa 09:00-12:00; 2026 Dec 24 08:00-09:00; 2026 Dec 24 off")
    assert hours["weekly"] == weekly(([1, 2, 3, 4, 5], "08:00", "20:00"), ([6], "09:00", "12:00"))
    assert [exception["closed"] for exception in hours["exceptions"]] == [True]


@pytest.mark.parametrize(
    ("text", "code", "named"),
    [
        ('Mo-Fr 08:00-12:00 || "by appointment"', "unsupported_opening_hours", "||"),
        ("Mo-Fr sunrise-sunset", "unsupported_opening_hours", "sunrise"),
        ("Mo-Fr 08:00-sunset", "unsupported_opening_hours", "sunset"),
        ("week 01-10 Mo 08:00-12:00", "unsupported_opening_hours", "week"),
        ("Jan-Mar 08:00-12:00", "unsupported_opening_hours", "Jan-Mar"),
        ("Dec 25 off", "unsupported_opening_hours", "Dec 25"),
        ("2026 Dec 24-26 off", "unsupported_opening_hours", "one date"),
        ("2026 Dec 24 08:00-10:00,12:00-14:00", "unsupported_opening_hours", "2026-12-24"),
        ("Mo[1] 08:00-10:00", "unsupported_opening_hours", "[1]"),
        ("Mo-Fr 08:00+", "unsupported_opening_hours", "+"),
        ("SH off", "unsupported_opening_hours", "school holidays"),
        ("Mo-Fr 08:00-12:00; PH 08:00-10:00", "unsupported_opening_hours", "Sunday"),
        ("PH off; Mo-Fr 08:00-12:00", "unsupported_opening_hours", "weekday rule after a PH rule"),
        ("2026 Dec 25 off; PH off", "unsupported_opening_hours", "PH rule after a date rule"),
        ('Mo-Fr 08:00-12:00 "lunch"', "unsupported_opening_hours", '"lunch"'),
        ("Mo 01:00-26:00", "unsupported_opening_hours", "longer than a day"),
        ("Mo-Fx 08:00-12:00", "invalid_opening_hours", "Fx"),
        ("Mo-Fr 25:00-26:00", "invalid_opening_hours", "25:00"),
        ("Mo-Fr 08:70-12:00", "invalid_opening_hours", "08:70"),
        ("Mo-Fr 08:00", "invalid_opening_hours", "closing time"),
        ("Mo 08:00-12:00;;Tu 08:00-09:00", "invalid_opening_hours", "empty rule"),
        ("Mo,08:00-10:00", "invalid_opening_hours", "08:00-10:00"),
        ("Mo-Fr 08:00-12:00 lunch", "invalid_opening_hours", "lunch"),
        ("2026 Feb 30 off", "invalid_opening_hours", "2026 Feb 30"),
        ("每天 8:00-17:00", "invalid_opening_hours", "每天"),
    ],
)
def test_hours_the_model_cannot_hold_or_that_are_not_the_syntax_are_refused_naming_the_part(
    text: str, code: str, named: str
) -> None:
    with pytest.raises(OsmHoursError) as caught:
        parse_osm_hours(text)
    assert caught.value.code == code
    assert named in str(caught.value)


def test_a_quote_in_a_note_is_written_as_a_closing_quote_mark() -> None:
    hours = {"exceptions": [{"date": "2026-12-24", "closed": True, "note": '说"早关"'}]}
    text = format_osm_hours(hours)
    assert text == '2026 Dec 24 off "说”早关”"'
    assert parse_osm_hours(text)["exceptions"][0]["note"] == "说”早关”"


# Every value of the model --------------------------------------------------------------------------------------------

clock = st.one_of(
    st.builds(lambda hour, minute: f"{hour:02d}:{minute:02d}", st.integers(0, 23), st.integers(0, 59)),
    st.sampled_from(["00:00", "24:00", "12:00"]),
)
weekly_rule = st.fixed_dictionaries(
    {"days": st.lists(st.integers(1, 7), min_size=1, max_size=7), "opens": clock, "closes": clock}
)
note = st.none() | st.text(st.characters(blacklist_characters='"', blacklist_categories=("Cs",)), max_size=40)
exception = st.fixed_dictionaries(
    {
        "date": st.dates(date(2025, 1, 1), date(2028, 12, 31)),
        "closed": st.booleans(),
        "opens": clock,
        "closes": clock,
        "note": note,
    }
)
opening_hours = st.builds(
    lambda rules, exceptions, on_holidays: OpeningHours.model_validate(
        {"weekly": rules, "exceptions": exceptions, "on_holidays": on_holidays}
    ).model_dump(mode="json"),
    st.lists(weekly_rule, max_size=14),
    st.lists(exception, max_size=6),
    st.sampled_from(["as_usual", "closed", "sunday_hours"]),
)
A_WEEK = [date(2026, 12, 7) + timedelta(days=offset) for offset in range(7)]


def _as_usual(hours: dict) -> OpeningHours:
    return OpeningHours.model_validate({**hours, "on_holidays": "as_usual"})


def _holiday_schedule(hours: dict) -> tuple:
    """What a statutory holiday looks like: closed, Sunday's hours, or the weekday's own."""
    weekly_only = OpeningHours.model_validate({"weekly": hours["weekly"]})
    sunday = sorted(set(intervals_on(weekly_only, A_WEEK[6])))
    if hours["on_holidays"] == "closed" or (hours["on_holidays"] == "sunday_hours" and not sunday):
        return ("closed",)
    return ("sunday", sunday) if hours["on_holidays"] == "sunday_hours" else ("as_usual",)


@settings(max_examples=300, database=None, deadline=None)
@given(opening_hours)
def test_every_stored_value_writes_out_as_text_that_reads_back_to_the_same_hours(hours: dict) -> None:
    text = format_osm_hours(hours)
    read_back = parse_osm_hours(text)
    # The same hours on every weekday and every dated exception, read by the directory's own evaluator.
    original, returned = _as_usual(hours), _as_usual(read_back)
    for day in A_WEEK + [date.fromisoformat(found["date"]) for found in hours["exceptions"]]:
        assert sorted(set(intervals_on(returned, day))) == sorted(set(intervals_on(original, day))), (text, day)
    assert _holiday_schedule(read_back) == _holiday_schedule(hours)
    notes = {found["date"]: found["note"] for found in reversed(hours["exceptions"])}
    assert {found["date"]: found["note"] for found in read_back["exceptions"]} == notes
    # Canonical: the text of the hours read back is the same text, and canonical values come back exactly.
    assert format_osm_hours(read_back) == text
    assert parse_osm_hours(format_osm_hours(read_back)) == read_back
    assert canonical_hours(hours) == read_back
