"""Loading a year of the holiday calendar without a release: the admin endpoint and the CLI, checked and audited."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

from api.calendar import days
from api.cli import app as cli
from api.config import get_settings
from api.lifecycle import migrate
from models import AuditEntry, CalendarDay, CalendarYear
from seed.calendar_source import CALENDAR_FILE
from seed.loader import load_seed
from tests.calendar.conftest import TEST_2027_CSV, TEST_2027_JSON, schedule_2027_body
from tests.databases import blank_database

pytestmark = pytest.mark.usefixtures("calendar_of_database")


async def test_an_admin_loads_a_year_and_everyone_sees_it(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    before = (await client.get("/v1/calendar", params={"year": 2027})).json()
    assert 2027 not in [known["year"] for known in before["years"]] and before["days"] == []

    admin_id, admin = await staff_headers("admin")
    answer = await client.put("/v1/admin/calendar/2027", json=schedule_2027_body(), headers=admin)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "year": 2027,
        "replaced": False,
        "holidays": 3,
        "workdays": 1,
        "deadlines_recomputed": answer.json()["deadlines_recomputed"],
    }

    public = (await client.get("/v1/calendar", params={"year": 2027})).json()
    (year,) = [known for known in public["years"] if known["year"] == 2027]
    assert year["source"] == "TEST FIXTURE, not the official 2027 schedule"
    assert (year["holidays"], year["workdays"]) == (3, 1)
    assert year["loaded_at"].endswith("+08:00")
    assert [(day["date"], day["kind"]) for day in public["days"]] == [
        ("2027-01-01", "holiday"),
        ("2027-01-02", "holiday"),
        ("2027-01-03", "holiday"),
        ("2027-01-09", "workday"),
    ]
    # The process serves it at once: 1 January 2027 is a day off.
    assert days.current().is_holiday(date(2027, 1, 1))

    (entry,) = (await session.scalars(select(AuditEntry).where(AuditEntry.object_type == "calendar_year"))).all()
    assert (entry.action, entry.object_id, entry.actor_id) == ("calendar_year_loaded", "2027", admin_id)
    assert entry.details["source"] == "TEST FIXTURE, not the official 2027 schedule"


async def test_replacing_a_year_replaces_its_days_and_is_audited_with_what_it_had(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    admin_id, admin = await staff_headers("admin")
    await client.put("/v1/admin/calendar/2027", json=schedule_2027_body(), headers=admin)
    corrected = {**schedule_2027_body(), "source": "TEST FIXTURE, corrected", "workdays": []}
    answer = await client.put("/v1/admin/calendar/2027", json=corrected, headers=admin)
    assert answer.status_code == 200 and answer.json()["replaced"] is True

    kinds = (await session.scalars(select(CalendarDay.kind).where(CalendarDay.year == 2027))).all()
    assert sorted(kinds) == ["holiday", "holiday", "holiday"]
    entries = (
        await session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "calendar_year").order_by(AuditEntry.id)
        )
    ).all()
    assert [entry.action for entry in entries] == ["calendar_year_loaded", "calendar_year_replaced"]
    assert entries[1].details["previous"] == {"holidays": 3, "workdays": 1}
    assert entries[1].actor_id == admin_id
    assert not days.current().is_make_up_workday(date(2027, 1, 9))


@pytest.mark.parametrize(
    ("change", "error_type", "location"),
    [
        ({"holidays": [{"date": "2028-01-01", "name": "x"}]}, "date_outside_year", ["body", "holidays", 0, "date"]),
        (
            {"holidays": [{"date": "2027-01-01"}, {"date": "2027-01-01"}]},
            "duplicate_date",
            ["body", "holidays", 1, "date"],
        ),
        (
            {"holidays": [{"date": "2027-01-02"}], "workdays": [{"date": "2027-01-02"}]},
            "holiday_and_workday",
            ["body", "workdays", 0, "date"],
        ),
        ({"workdays": [{"date": "2027-01-04"}]}, "workday_not_weekend", ["body", "workdays", 0, "date"]),
    ],
)
async def test_a_schedule_that_is_not_valid_is_refused_whole(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers, change: dict, error_type: str, location: list
) -> None:  # noqa: ANN001
    _, admin = await staff_headers("admin")
    answer = await client.put("/v1/admin/calendar/2027", json={**schedule_2027_body(), **change}, headers=admin)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["code"] == "invalid_calendar"
    assert {"loc": location, "type": error_type} in [{"loc": e["loc"], "type": e["type"]} for e in problem["errors"]]
    assert await session.get(CalendarYear, 2027) is None
    assert (await session.scalars(select(CalendarDay).where(CalendarDay.year == 2027))).all() == []
    assert not days.current().knows(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/v1/admin/calendar/2027", {**schedule_2027_body(), "surprise": 1}, ["body", "surprise"]),
        ("/v1/admin/calendar/2027", {**schedule_2027_body(), "holidays": [{"date": "2027-02-30"}]}, None),
        ("/v1/admin/calendar/2027", {**schedule_2027_body(), "holidays": []}, ["body", "holidays"]),
        ("/v1/admin/calendar/1999", schedule_2027_body(), ["path", "year"]),
        ("/v1/admin/calendar/abc", schedule_2027_body(), ["path", "year"]),
    ],
)
async def test_a_malformed_request_is_a_validation_problem(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers, path: str, body: dict, where: list | None
) -> None:  # noqa: ANN001
    _, admin = await staff_headers("admin")
    answer = await client.put(path, json=body, headers=admin)
    assert answer.status_code == 422 and answer.json()["code"] == "validation_failed"
    if where:
        assert where in [error["loc"] for error in answer.json()["errors"]]
    assert await session.get(CalendarYear, 2027) is None


@pytest.mark.parametrize("role", ["operator", "reviewer"])
async def test_only_admins_load_a_year(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers, role: str
) -> None:  # noqa: ANN001
    _, headers = await staff_headers(role)
    answer = await client.put("/v1/admin/calendar/2027", json=schedule_2027_body(), headers=headers)
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    anonymous = await client.put("/v1/admin/calendar/2027", json=schedule_2027_body())
    assert anonymous.status_code == 401
    assert await session.get(CalendarYear, 2027) is None


async def test_the_seed_loads_the_calendar_file_and_leaves_an_admins_year_alone(
    client: httpx.AsyncClient, session: AsyncSession, staff_headers
) -> None:  # noqa: ANN001
    assert (await session.get(CalendarYear, 2026)).source.startswith("State Council schedule as carried by")
    _, admin = await staff_headers("admin")
    corrected_2026 = {"source": "TEST FIXTURE, a corrected 2026", "holidays": [{"date": "2026-10-01"}]}
    assert (await client.put("/v1/admin/calendar/2026", json=corrected_2026, headers=admin)).status_code == 200

    report = await load_seed(session, force=True)
    assert report.inserted["calendar_year"] == 0
    assert (await session.get(CalendarYear, 2026)).source == "TEST FIXTURE, a corrected 2026"
    assert len((await session.scalars(select(CalendarDay).where(CalendarDay.year == 2026))).all()) == 1


@pytest.fixture
async def migrated_blank_database(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    async with blank_database(backend, tmp_path) as url:
        await asyncio.to_thread(migrate, url)
        yield url


def test_the_cli_loads_json_and_csv_files_and_shows_what_is_known(
    migrated_blank_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_blank_database)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        empty = runner.invoke(cli, ["calendar", "show"])
        assert empty.exit_code == 0 and "covered until: this year is unknown" in empty.output

        shipped = runner.invoke(cli, ["calendar", "load", str(CALENDAR_FILE)])
        assert shipped.exit_code == 0, shipped.output
        assert "loaded 2026: 33 holidays, 6 make-up workdays" in shipped.output

        test_json = runner.invoke(cli, ["calendar", "load", str(TEST_2027_JSON)])
        assert test_json.exit_code == 0 and "loaded 2027: 3 holidays, 1 make-up workdays" in test_json.output
        no_source = runner.invoke(cli, ["calendar", "load", str(TEST_2027_CSV)])
        assert no_source.exit_code == 2 and "needs --source" in no_source.output
        test_csv = runner.invoke(cli, ["calendar", "load", str(TEST_2027_CSV), "--source", "TEST FIXTURE csv"])
        assert test_csv.exit_code == 0 and "replaced 2027: 4 holidays, 1 make-up workdays" in test_csv.output

        shown = runner.invoke(cli, ["calendar", "show", "--year", "2027"])
        assert shown.exit_code == 0
        this_year = days.shanghai_today().year
        covered = "2027-12-31" if 2004 <= this_year <= 2027 else "this year is unknown"
        assert f"covered until: {covered}" in shown.output
        assert "2027-01-04  holiday  Test holiday (not official)" in shown.output
        assert "TEST FIXTURE csv" in shown.output
    finally:
        get_settings.cache_clear()
    actions = _rows(migrated_blank_database, "SELECT action FROM audit_entry WHERE object_id = '2027' ORDER BY id")
    assert actions == ["calendar_year_loaded", "calendar_year_replaced"]
    assert _rows(migrated_blank_database, "SELECT count(*) FROM calendar_year") == [24]


def test_the_cli_refuses_a_file_that_is_not_valid_and_stores_nothing(
    migrated_blank_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-01-01,holiday,x\n2027-01-01,workday,y\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", migrated_blank_database)
    get_settings.cache_clear()
    try:
        answer = CliRunner().invoke(cli, ["calendar", "load", str(bad), "--source", "TEST FIXTURE"])
    finally:
        get_settings.cache_clear()
    assert answer.exit_code == 2
    assert "both a holiday and a make-up workday" in answer.output
    assert _rows(migrated_blank_database, "SELECT count(*) FROM calendar_year") == [0]


def _rows(url: str, sql: str) -> list:
    async def read() -> list:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return list((await connection.execute(text(sql))).scalars().all())
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_the_cli_names_a_csv_line_with_too_few_or_too_many_fields_and_stores_nothing(
    migrated_blank_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", migrated_blank_database)
    for name, line in (("short.csv", "2027-01-02"), ("long.csv", "2027-01-02,holiday,x,y")):
        bad = tmp_path / name
        bad.write_text(f"date,kind,name\n2027-01-01,holiday,x\n{line}\n", encoding="utf-8")
        get_settings.cache_clear()
        try:
            answer = CliRunner().invoke(cli, ["calendar", "load", str(bad), "--source", "TEST FIXTURE"])
        finally:
            get_settings.cache_clear()
        assert answer.exit_code == 2, answer.output
        assert "line 3: expected the fields date,kind,name" in answer.output
    assert _rows(migrated_blank_database, "SELECT count(*) FROM calendar_year") == [0]
