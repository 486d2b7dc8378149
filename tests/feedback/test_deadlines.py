"""Deadlines count Chinese working days: weekends, statutory holidays and make-up workdays."""

from datetime import UTC, date, datetime

import pytest

from api.feedback.deadlines import add_working_days, due_at, working_days_left
from api.timestamps import SHANGHAI

# Read from the seeded database, as the app reads it when it starts.
pytestmark = pytest.mark.usefixtures("calendar_of_database")


def _shanghai(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def test_a_complaint_before_national_day_skips_the_holiday_and_counts_the_make_up_saturday() -> None:
    # 2026: 1–7 October off; Saturday 10 October is a make-up workday.
    received = _shanghai(2026, 9, 30, 10, 0)
    assert due_at("complaint", received) == _shanghai(2026, 10, 13, 18, 0).astimezone(UTC)
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_an_ordinary_week_skips_the_weekend() -> None:
    assert due_at("complaint", _shanghai(2026, 11, 27, 16, 0)) == _shanghai(2026, 12, 4, 18, 0).astimezone(UTC)
    assert due_at("correction", _shanghai(2026, 11, 27, 16, 0)) == _shanghai(2026, 12, 2, 18, 0).astimezone(UTC)
    assert due_at("suggestion", _shanghai(2026, 11, 27, 16, 0)) == _shanghai(2026, 12, 11, 18, 0).astimezone(UTC)


def test_the_day_is_the_shanghai_day_of_receipt() -> None:
    # 23:30 UTC on Sunday is 07:30 on Monday in Shanghai: Monday is the day of receipt.
    received = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert due_at("complaint", received) == _shanghai(2026, 12, 7, 18, 0).astimezone(UTC)


def test_spring_festival_2026() -> None:
    # 15–23 February 2026 off; Saturday 14 and Saturday 28 February are make-up workdays.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_working_days_left_count_from_the_shanghai_day_through_holidays() -> None:
    due = _shanghai(2026, 10, 13, 18, 0)  # Tuesday after National Day week; Saturday 10 October is worked
    assert working_days_left(due, _shanghai(2026, 10, 13, 9, 0)) == 0
    assert working_days_left(due, _shanghai(2026, 10, 12, 20, 0)) == 1
    # On the day a complaint due then is received, all five of its working days are left (8, 9, 10, 12, 13).
    assert working_days_left(due, _shanghai(2026, 9, 30, 10, 0)) == 5
    assert working_days_left(due, _shanghai(2026, 10, 3, 10, 0)) == 5
    # Passed: Wednesday 14 is the first working day after it, Saturday 17 is no working day.
    assert working_days_left(due, _shanghai(2026, 10, 14, 9, 0)) == -1
    assert working_days_left(due, _shanghai(2026, 10, 17, 9, 0)) == -3
    # The Shanghai day counts: 16:30 UTC on the 13th is already the 14th in Shanghai.
    assert working_days_left(due, datetime(2026, 10, 13, 16, 30, tzinfo=UTC)) == -1
