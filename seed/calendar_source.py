"""Writes `seed/data/calendar/holidays.json` from the `chinese-calendar` package (a development dependency).

Run once when the package publishes a new year: `.venv/bin/python -m seed.calendar_source`. It copies the years
the package knows as they are; a year the package does not know is left out, never guessed. Nothing at run time
imports the package: the server reads the calendar from its own tables.
"""

import importlib.metadata
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from seed.reference import DATA_DIR

CALENDAR_FILE = DATA_DIR / "calendar" / "holidays.json"


def extract() -> dict[str, Any]:
    from chinese_calendar import constants

    version = importlib.metadata.version("chinese-calendar")
    by_year: dict[int, dict[str, list[dict[str, str]]]] = defaultdict(lambda: {"holidays": [], "workdays": []})
    for day, name in sorted(constants.holidays.items()):
        by_year[day.year]["holidays"].append({"date": day.isoformat(), "name": name})
    for day, name in sorted(constants.workdays.items()):
        by_year[day.year]["workdays"].append({"date": day.isoformat(), "name": name})
    return {
        "years": [
            {"year": year, "source": f"State Council schedule as carried by chinese-calendar {version}", **days}
            for year, days in sorted(by_year.items())
        ]
    }


def _one_day_a_line(document: dict[str, Any]) -> str:
    """The JSON of `document` with one day a line, so that a year's change reads as a short diff."""
    years = []
    for entry in document["years"]:
        lists = []
        for kind in ("holidays", "workdays"):
            lines = ",\n".join("    " + json.dumps(day, ensure_ascii=False) for day in entry[kind])
            lists.append(f'   "{kind}": [\n{lines}\n   ]')
        head = f'   "year": {entry["year"]},\n   "source": {json.dumps(entry["source"], ensure_ascii=False)}'
        years.append("  {\n" + ",\n".join([head, *lists]) + "\n  }")
    return '{\n "years": [\n' + ",\n".join(years) + "\n ]\n}\n"


def main(path: Path = CALENDAR_FILE) -> None:
    text = _one_day_a_line(extract())
    path.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
