"""Opening hours between the OpenStreetMap `opening_hours` syntax (what spreadsheets carry) and the directory's
structured `OpeningHours` (what is stored and evaluated).

Only the part of the syntax the structured model can hold is read: weekday rules, public holidays as a whole
(`PH off`, or `PH` with Sunday's hours) and full dates. Anything else that is valid OpenStreetMap is refused as
`unsupported_opening_hours` rather than approximated. Order matters in OpenStreetMap (a later rule overrides an
earlier one on the days it names) and the model always lets dated exceptions win over holidays and holidays
over weekdays, so rules must come in that order: weekdays, then `PH`, then dates.

Input is forgiving (see api/curation/formats/osm_hours_grammar.py); output is canonical.
"""

import functools
from datetime import date

import orjson
from pydantic import ValidationError

from api.curation.formats.osm_hours_grammar import (
    ALL_DAY,
    DAY_MINUTES,
    MONTHS,
    UNSUPPORTED,
    WEEKDAYS,
    Interval,
    OsmHoursError,
    Rule,
    RuleParser,
    clock_text,
    minutes_of,
)
from api.listings.hours import OpeningHours

__all__ = ["OsmHoursError", "canonical_hours", "format_osm_hours", "parse_osm_hours"]

_PHASES = ("weekday", "PH", "date")


def _phase(rule: Rule) -> int:
    return 2 if rule.day is not None else 1 if rule.holidays else 0


def parse_osm_hours(text: str) -> dict:
    """The structured hours (the dict form of `OpeningHours`, canonical) of an `opening_hours` text; an empty text
    means no known hours. Raises OsmHoursError."""
    # The rows of one import mostly repeat a few texts; each caller gets its own copy to change.
    return orjson.loads(_parse_once(text))


@functools.lru_cache(maxsize=4096)
def _parse_once(text: str) -> bytes:
    parser = RuleParser(text)
    weekly: dict[int, list[Interval]] = {}
    holidays: list[Interval] | None = None
    exceptions: dict[date, dict] = {}
    phase = 0
    for rule in parser.rules():
        if _phase(rule) < phase:
            raise OsmHoursError(
                UNSUPPORTED,
                f"a {_PHASES[_phase(rule)]} rule after a {_PHASES[phase]} rule: write weekday rules first, then "
                "`PH`, then dates (the directory always lets dates win over holidays, and holidays over weekdays)",
            )
        phase = _phase(rule)
        intervals = [ALL_DAY] if rule.intervals is None else rule.intervals
        if rule.day is not None:
            exceptions[rule.day] = _dated(rule, intervals, exceptions.get(rule.day))
            continue
        for weekday in rule.weekdays:
            weekly[weekday] = weekly.get(weekday, []) + intervals if rule.additional and intervals else intervals
        if rule.holidays:
            holidays = (holidays or []) + intervals if rule.additional and intervals else intervals
    hours = {
        "weekly": _weekly_rules(weekly),
        "exceptions": [exceptions[day] for day in sorted(exceptions)],
        "on_holidays": _on_holidays(holidays, weekly),
    }
    try:
        return orjson.dumps(OpeningHours.model_validate(hours).model_dump(mode="json"))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise OsmHoursError(
            UNSUPPORTED, f"more than the directory's hours can hold: {where}: {first['msg']}"
        ) from error


def _dated(rule: Rule, intervals: list[Interval], earlier: dict | None) -> dict:
    assert rule.day is not None
    if rule.additional and earlier is not None and intervals:
        raise OsmHoursError(UNSUPPORTED, f"{rule.day.isoformat()}: a date may have one time range only")
    if not intervals:
        return {"date": rule.day, "closed": True, "opens": None, "closes": None, "note": rule.note}
    if len(intervals) > 1:
        raise OsmHoursError(UNSUPPORTED, f"{rule.day.isoformat()}: a date may have one time range only")
    opens, closes = _canonical_interval(intervals[0])
    return {"date": rule.day, "closed": False, "opens": opens, "closes": closes, "note": rule.note}


def _on_holidays(holidays: list[Interval] | None, weekly: dict[int, list[Interval]]) -> str:
    if holidays is None:
        return "as_usual"
    if not holidays:
        return "closed"
    if _day_schedule(holidays) == _day_schedule(weekly.get(7, [])):
        return "sunday_hours"
    raise OsmHoursError(
        UNSUPPORTED, "public holidays (`PH`) may only be `off` or keep Sunday's hours (e.g. `Su,PH 09:00-12:00`)"
    )


def _canonical_interval(interval: Interval) -> Interval:
    # Midnight to midnight past midnight is the whole day, written the one way.
    return ALL_DAY if interval == ("00:00", "00:00") else interval


def _day_schedule(intervals: list[Interval]) -> tuple[Interval, ...]:
    return tuple(sorted({_canonical_interval(interval) for interval in intervals}))


def _weekly_rules(weekly: dict[int, list[Interval]]) -> list[dict]:
    """One rule per distinct time range, naming every day that has it, in the order of their first days."""
    days_of: dict[Interval, list[int]] = {}
    for weekday in sorted(weekly):
        for interval in _day_schedule(weekly[weekday]):
            days_of.setdefault(interval, []).append(weekday)
    ordered = sorted(days_of, key=lambda interval: (days_of[interval][0], interval))
    return [{"days": days_of[interval], "opens": interval[0], "closes": interval[1]} for interval in ordered]


def canonical_hours(hours: dict) -> dict:
    """The one dict form of hours that mean the same: what parse_osm_hours returns. Compare stored hours with
    imported ones through it."""
    return parse_osm_hours(format_osm_hours(hours))


# Writing ---------------------------------------------------------------------------------------------------------


def _schedules(model: OpeningHours) -> dict[int, tuple[Interval, ...]]:
    intervals: dict[int, list[Interval]] = {weekday: [] for weekday in range(1, 8)}
    for rule in model.weekly:
        for weekday in set(rule.days):
            intervals[weekday].append((rule.opens, rule.closes))
    return {weekday: _day_schedule(found) for weekday, found in intervals.items()}


def _range_text(interval: Interval) -> str:
    opens, closes = interval
    if closes == opens:
        # Equal times mean a whole day from the opening; OpenStreetMap says that with an hour past 24.
        return f"{opens}-{clock_text(minutes_of(closes) + DAY_MINUTES)}"
    return f"{opens}-{closes}"


def _schedule_text(schedule: tuple[Interval, ...]) -> str:
    return ",".join(_range_text(interval) for interval in schedule) if schedule else "off"


def _days_text(weekdays: list[int]) -> str:
    runs: list[list[int]] = []
    for weekday in weekdays:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts = []
    for run in runs:
        names = [WEEKDAYS[weekday - 1] for weekday in run]
        parts.append(f"{names[0]}-{names[-1]}" if len(run) > 2 else ",".join(names))
    return ",".join(parts)


def format_osm_hours(hours: dict | OpeningHours) -> str:
    """The canonical `opening_hours` text: days with the same times grouped (`Mo-Fr`, `Sa,Su`), closed days left
    out, then `PH`, then dates in order. A `"` in a date's note, which the syntax cannot hold, is written `”`."""
    model = hours if isinstance(hours, OpeningHours) else OpeningHours.model_validate(hours)
    schedules = _schedules(model)
    rules: list[str] = []
    if all(schedule == (ALL_DAY,) for schedule in schedules.values()):
        rules.append("24/7")
    else:
        days_with: dict[tuple[Interval, ...], list[int]] = {}
        for weekday, schedule in schedules.items():
            if schedule:
                days_with.setdefault(schedule, []).append(weekday)
        rules += [f"{_days_text(weekdays)} {_schedule_text(schedule)}" for schedule, weekdays in days_with.items()]
    if model.on_holidays == "closed" or (model.on_holidays == "sunday_hours" and not schedules[7]):
        rules.append("PH off")
    elif model.on_holidays == "sunday_hours":
        rules.append(f"PH {_schedule_text(schedules[7])}")
    seen: set[date] = set()
    for exception in sorted(model.exceptions, key=lambda exception: exception.date):
        if exception.date in seen:
            continue  # the first exception of a day is the one that counts
        seen.add(exception.date)
        day = exception.date
        text = f"{day.year:04d} {MONTHS[day.month - 1]} {day.day:02d} "
        if exception.closed or exception.opens is None or exception.closes is None:
            text += "off"
        else:
            text += _range_text(_canonical_interval((exception.opens, exception.closes)))
        if exception.note is not None:
            text += ' "' + exception.note.replace('"', "”") + '"'
        rules.append(text)
    return "; ".join(rules)
