"""A day of a year whose holidays are not published is never silently certain: provisional deadlines that are
recomputed when the year is loaded, open_now that says the holiday schedule is not known, /readyz, a gauge and a
daily warning about how far ahead the calendar reaches."""

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
import structlog
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.calendar import days, health
from api.calendar import service as calendar_service
from api.calendar.schemas import YearSchedule
from api.feedback import deadlines
from api.housekeeping import run_round
from api.timestamps import SHANGHAI
from models import CalendarYear, FeedbackEvent, Place, UserAccount
from tests.accounts.conftest import bearer
from tests.calendar.conftest import schedule_2027_body, street_light_complaint

pytestmark = pytest.mark.usefixtures("calendar_of_database")


async def _forget_years_from(session: AsyncSession, first_year: int) -> None:
    """As if the years from `first_year` on were not published yet (inside the test's rolled-back transaction)."""
    await session.execute(delete(CalendarYear).where(CalendarYear.year >= first_year))
    await session.flush()
    days.install(await days.read(session))


def _test_year(year: int, today: date) -> dict:
    """A made-up schedule of `year` (test data): one day off, never today."""
    day_off = date(year, 1, 1) if today != date(year, 1, 1) else date(year, 1, 2)
    return {"source": "TEST FIXTURE, not an official schedule", "holidays": [{"date": day_off.isoformat()}]}


async def _resident(session: AsyncSession) -> UserAccount:
    now = datetime.now(UTC)
    account = UserAccount(role="resident", phone="13911112222", created_at=now, updated_at=now)
    session.add(account)
    await session.flush()
    return account


async def test_a_complaint_received_on_30_december_2026_is_provisional_until_2027_is_loaded(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    await _forget_years_from(session, 2027)
    resident = await _resident(session)
    received = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)
    complaint = street_light_complaint(
        "FK-20261230-TEST01", resident.id, received, **deadlines.due_fields("complaint", received)
    )
    # Reopened on 31 December: its deadline counts from its return to work, not from its receipt.
    reopened_at = datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)
    reopened = street_light_complaint(
        "FK-20261101-TEST02",
        resident.id,
        datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI),
        status="in_progress",
        title="路灯又不亮了",
        body="修好后又坏了。",
        updated_at=reopened_at,
        **deadlines.due_fields("complaint", reopened_at),
    )
    session.add_all([complaint, reopened])
    await session.flush()
    session.add(
        FeedbackEvent(
            feedback_id=reopened.id,
            actor_role="reviewer",
            action="status",
            from_status="reopened",
            to_status="in_progress",
            public=True,
            created_at=reopened_at,
        )
    )
    await session.commit()
    resident_headers = bearer(app, resident.id)
    _, reviewer = await staff_headers("reviewer")

    async def deadline_seen(feedback_id: int) -> set[tuple[str, bool]]:
        """(due_at, due_provisional) as the resident and the team see it, in each of their answers."""
        seen = set()
        for url, headers in (
            (f"/v1/feedback/{feedback_id}", resident_headers),
            (f"/v1/triage/feedback/{feedback_id}", reviewer),
        ):
            answer = (await client.get(url, headers=headers)).json()
            seen.add((answer["due_at"], answer["due_provisional"]))
        for url, headers in (("/v1/me/feedback", resident_headers), ("/v1/triage/feedback", reviewer)):
            items = (await client.get(url, params={"limit": 100}, headers=headers)).json()["items"]
            seen |= {(item["due_at"], item["due_provisional"]) for item in items if item["id"] == feedback_id}
        return seen

    # 2027 unknown: 31 December, then 1, 4, 5, 6 January counted as Monday to Friday.
    assert await deadline_seen(complaint.id) == {("2027-01-06T18:00:00+08:00", True)}
    assert await deadline_seen(reopened.id) == {("2027-01-07T18:00:00+08:00", True)}

    _, admin = await staff_headers("admin")
    loaded = await client.put("/v1/admin/calendar/2027", json=schedule_2027_body(), headers=admin)
    assert loaded.status_code == 200 and loaded.json()["deadlines_recomputed"] == 2

    # 1–3 January are days off in the test schedule: the deadlines move a working day later and are certain.
    assert await deadline_seen(complaint.id) == {("2027-01-07T18:00:00+08:00", False)}
    assert await deadline_seen(reopened.id) == {("2027-01-08T18:00:00+08:00", False)}


async def test_feedback_sent_while_its_year_is_unknown_gets_a_provisional_deadline(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    today = days.shanghai_today()
    await _forget_years_from(session, today.year)
    resident = await _resident(session)
    await session.commit()
    headers = {**bearer(app, resident.id), "Idempotency-Key": "calendar-test-0001"}
    place_id = (await session.scalars(select(Place.id).where(Place.status == "published").limit(1))).one()
    target = {"kind": "place", "id": place_id}
    body = {"kind": "complaint", "target": target, "title": "门没开", "body": "说好开门却没开。"}
    sent = await client.post("/v1/feedback", json=body, headers=headers)
    assert sent.status_code == 201, sent.text
    assert sent.json()["due_provisional"] is True

    _, admin = await staff_headers("admin")
    for year in (today.year, today.year + 1):
        put = await client.put(f"/v1/admin/calendar/{year}", json=_test_year(year, today), headers=admin)
        assert put.status_code == 200
    again = (await client.get(f"/v1/feedback/{sent.json()['id']}", headers=headers)).json()
    assert again["due_provisional"] is False


CLINIC_NAME = "节假日测试门诊"
ROUND_THE_CLOCK_CLOSED_ON_HOLIDAYS = {
    "weekly": [{"days": [1, 2, 3, 4, 5, 6, 7], "opens": "00:00", "closes": "24:00"}],
    "on_holidays": "closed",
}


async def test_open_now_on_a_day_of_an_unknown_year_says_the_holiday_schedule_is_not_known(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    template = (
        await session.scalars(select(Place).where(Place.category_code == "health.community_center").limit(1))
    ).one()
    clinic = Place(
        category_code=template.category_code,
        name=CLINIC_NAME,
        address=template.address,
        district_code=template.district_code,
        lat=template.lat,
        lng=template.lng,
        attributes=template.attributes,
        opening_hours=ROUND_THE_CLOCK_CLOSED_ON_HOLIDAYS,
        status="published",
    )
    park = Place(
        category_code="park.city",
        name="节假日测试公园",
        address=template.address,
        district_code=template.district_code,
        lat=template.lat,
        lng=template.lng,
        opening_hours={**ROUND_THE_CLOCK_CLOSED_ON_HOLIDAYS, "on_holidays": "as_usual"},
        status="published",
    )
    session.add_all([clinic, park])
    await session.commit()
    near = f"{template.lat},{template.lng}"
    today = days.shanghai_today()

    async def answers(place_id: int) -> set[tuple[bool | None, str | None]]:
        """(open_now, hours_note) of the place in its detail and in every way a list can find it: the generic
        search, the prepared nearest-first page, the grid's words near a point, the index's first page."""
        seen = set()
        detail = (await client.get(f"/v1/places/{place_id}")).json()
        seen.add((detail["open_now"], detail["hours_note"]))
        lists = [
            {"district": template.district_code, "open_now": "true", "limit": 100, "sort": "updated"},
            {"near": near, "radius_m": 50, "limit": 100},
            {"q": CLINIC_NAME[:4], "near": near, "radius_m": 500, "open_now": "true", "limit": 100},
            {"q": CLINIC_NAME[:4], "open_now": "true", "limit": 100},
        ]
        for params in lists:
            items = (await client.get("/v1/places", params=params)).json()["items"]
            found = [(item["open_now"], item["hours_note"]) for item in items if item["id"] == place_id]
            assert found, f"{params} did not find {place_id}"
            seen |= set(found)
        return seen

    await _forget_years_from(session, today.year)
    assert await answers(clinic.id) == {(True, "holiday_schedule_unknown")}
    assert await answers(park.id) == {(True, None)}

    _, admin = await staff_headers("admin")
    put = await client.put(f"/v1/admin/calendar/{today.year}", json=_test_year(today.year, today), headers=admin)
    assert put.status_code == 200
    assert await answers(clinic.id) == {(True, None)}


async def test_readyz_and_the_gauge_report_how_far_ahead_the_calendar_reaches(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    today = days.shanghai_today()
    await _forget_years_from(session, today.year)
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "calendar": {"covered_until": None, "days_ahead": 0}}
    assert "svcdir_holiday_calendar_days_ahead 0.0" in (await client.get("/metrics")).text

    _, admin = await staff_headers("admin")
    put = await client.put(f"/v1/admin/calendar/{today.year}", json=_test_year(today.year, today), headers=admin)
    assert put.status_code == 200
    last_day = date(today.year, 12, 31)
    ahead = (last_day - today).days
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "calendar": {"covered_until": last_day.isoformat(), "days_ahead": ahead},
    }
    assert f"svcdir_holiday_calendar_days_ahead {float(ahead)}" in (await client.get("/metrics")).text


def _warnings(logs: list[dict]) -> list[dict]:
    return [entry for entry in logs if entry["event"] == "holiday_calendar_running_out"]


async def test_a_warning_is_logged_once_a_day_while_fewer_than_60_days_are_covered(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "_warned_on", None)
    # The seeded calendar ends on 31 December 2026.
    assert days.current().covered_until(date(2026, 12, 6)) == date(2026, 12, 31)
    morning = datetime(2026, 12, 6, 9, 0, tzinfo=SHANGHAI)
    with structlog.testing.capture_logs() as logs:
        await run_round(session, morning.astimezone(UTC))
        await run_round(session, (morning + timedelta(hours=8)).astimezone(UTC))
    (warning,) = _warnings(logs)
    assert warning["log_level"] == "warning"
    assert (warning["days_ahead"], warning["covered_until"], warning["next_year"]) == (25, "2026-12-31", 2027)

    with structlog.testing.capture_logs() as logs:
        await run_round(session, (morning + timedelta(days=1)).astimezone(UTC))
    assert [entry["days_ahead"] for entry in _warnings(logs)] == [24]

    with structlog.testing.capture_logs() as logs:
        # 1 November 2026: 60 days ahead, no warning.
        await run_round(session, datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI).astimezone(UTC))
    assert _warnings(logs) == []


def test_the_note_names_only_answers_that_depend_on_an_unknown_day() -> None:
    from api.listings.hours import OpeningHours, hours_note_at

    days.install(days.HolidayCalendar(years=frozenset({2026, 2028})))
    clinic = OpeningHours.model_validate(ROUND_THE_CLOCK_CLOSED_ON_HOLIDAYS)
    settled = OpeningHours.model_validate(
        {**ROUND_THE_CLOCK_CLOSED_ON_HOLIDAYS, "exceptions": [{"date": "2027-01-04", "closed": True}]}
    )
    park = OpeningHours.model_validate({**ROUND_THE_CLOCK_CLOSED_ON_HOLIDAYS, "on_holidays": "as_usual"})
    late = OpeningHours.model_validate(
        {"weekly": [{"days": [5, 6], "opens": "18:00", "closes": "02:00"}], "on_holidays": "closed"}
    )
    unknown_day = datetime(2027, 1, 4, 10, 0, tzinfo=SHANGHAI)
    assert hours_note_at(clinic, unknown_day) == "holiday_schedule_unknown"
    assert hours_note_at(settled, unknown_day) is None  # a dated exception decides that day
    assert hours_note_at(park, unknown_day) is None
    assert hours_note_at(clinic, datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)) is None
    # Early on 1 January 2028 the late hours began on 31 December 2027, a day of the unknown year.
    assert hours_note_at(late, datetime(2028, 1, 1, 1, 0, tzinfo=SHANGHAI)) == "holiday_schedule_unknown"
    assert hours_note_at(clinic, datetime(2028, 1, 1, 10, 0, tzinfo=SHANGHAI)) is None


async def test_a_deadline_counted_with_a_stale_copy_of_the_calendar_is_put_right_by_housekeeping(
    session: AsyncSession,
) -> None:
    """A worker whose copy lacks 2027 (loaded by the CLI or another worker since) counts a provisional deadline;
    the next housekeeping round counts it again with the database's calendar."""
    stale = days.current()
    assert 2027 not in stale.years
    await calendar_service.store_year(session, 2027, YearSchedule(**schedule_2027_body()), actor_id=None)
    database_calendar = await days.read(session)
    resident = await _resident(session)
    received = datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI)
    complaint = street_light_complaint("FK-20261230-STALE1", resident.id, received)
    deadlines.set_due(complaint, received, stale)
    session.add(complaint)
    await session.flush()
    assert complaint.due_provisional

    await run_round(session, datetime(2026, 12, 30, 12, 0, tzinfo=SHANGHAI).astimezone(UTC))
    await session.refresh(complaint)

    expected = deadlines.deadline("complaint", received, database_calendar)
    assert not expected.provisional
    assert (complaint.due_at, complaint.due_provisional) == (expected.due_at, False)
