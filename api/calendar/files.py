"""Calendar files: what `svcdir calendar load` reads and what the seed ships (`seed/data/calendar/`).

JSON: `{"years": [{"year": 2027, "source": "…", "holidays": [{"date": "2027-01-01", "name": "New Year's Day"}, …],
"workdays": [{"date": "…", "name": "…"}]}]}` (or one such year object on its own).
CSV: a header `date,kind,name` and one day a line, `kind` being `holiday` or `workday`; its years are those of its
dates, and their source is given on the command line.
"""

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from api.calendar.schemas import YearSchedule
from api.errors import ValidationFailed

CSV_COLUMNS = ["date", "kind", "name"]


class InvalidCalendarFile(ValidationFailed):
    code, title = "invalid_calendar_file", "The calendar file cannot be read"


def read_schedules(path: Path, *, source: str | None = None) -> dict[int, YearSchedule]:
    text = path.read_text(encoding="utf-8-sig")
    entries = _csv_entries(text, source) if path.suffix.lower() == ".csv" else _json_entries(text)
    schedules: dict[int, YearSchedule] = {}
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("year"), int):
            raise InvalidCalendarFile(f"year entry {position} has no integer `year`")
        year = entry.pop("year")
        if year in schedules:
            raise InvalidCalendarFile(f"{year} appears twice in {path.name}")
        try:
            schedules[year] = YearSchedule.model_validate(entry)
        except ValidationError as error:
            raise InvalidCalendarFile(
                f"{year} in {path.name} is not valid",
                errors=[
                    {"loc": [year, *error["loc"]], "msg": error["msg"], "type": error["type"]}
                    for error in error.errors()
                ],
            ) from error
    return schedules


def _json_entries(text: str) -> list[Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidCalendarFile(f"not JSON: {error}") from error
    if isinstance(document, dict) and "years" in document:
        document = document["years"]
    return document if isinstance(document, list) else [document]


def _csv_entries(text: str, source: str | None) -> list[dict[str, Any]]:
    if not source:
        raise InvalidCalendarFile("a CSV file needs --source (the notice its days come from)")
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != CSV_COLUMNS:
        raise InvalidCalendarFile(f"the CSV header must be {','.join(CSV_COLUMNS)}")
    by_year: dict[int, dict[str, Any]] = {}
    for row in reader:
        line = reader.line_num
        # DictReader leaves a missing field None and keys extra ones under None; the name alone may be left out.
        if row["date"] is None or row["kind"] is None or None in row:
            raise InvalidCalendarFile(f"line {line}: expected the fields {','.join(CSV_COLUMNS)} (name may be empty)")
        kind, day = row["kind"].strip(), row["date"].strip()
        if kind not in ("holiday", "workday") or len(day) < 4 or not day[:4].isdigit():
            raise InvalidCalendarFile(f"line {line}: expected a date and holiday or workday")
        entry = by_year.setdefault(
            int(day[:4]), {"year": int(day[:4]), "source": source, "holidays": [], "workdays": []}
        )
        entry[kind + "s"].append({"date": day, "name": (row["name"] or "").strip() or None})
    return list(by_year.values())
