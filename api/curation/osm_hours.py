"""Opening hours between the OpenStreetMap `opening_hours` syntax (what spreadsheets carry) and the directory's
structured `OpeningHours` (what is stored and evaluated).

Only the part of the syntax the structured model can hold is read: weekday rules, public holidays as a whole
(`PH off`, or `PH` with Sunday's hours) and full dates. Anything else that is valid OpenStreetMap is refused as
`unsupported_opening_hours` rather than approximated. Order matters in OpenStreetMap (a later rule overrides an
earlier one on the days it names) and the model always lets dated exceptions win over holidays and holidays
over weekdays, so rules must come in that order: weekdays, then `PH`, then dates.

Input is forgiving where operators in China slip: weekday and month names in any case, one-digit hours,
full-width `：`, `，`, `；` and `～` or `~` as the range dash. Output is canonical.
"""

import re
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from api.directory.hours import OpeningHours

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_MINUTES = 24 * 60
INVALID = "invalid_opening_hours"
UNSUPPORTED = "unsupported_opening_hours"
ALL_DAY = ("00:00", "24:00")

# Words of the full syntax that the model has no place for, with what to say about them.
_UNSUPPORTED_WORDS = {
    "sunrise": "times of the sun",
    "sunset": "times of the sun",
    "dawn": "times of the sun",
    "dusk": "times of the sun",
    "week": "week numbers",
    "easter": "Easter",
    "sh": "school holidays",
    "unknown": "unknown hours",
}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<comment>"[^"]*")
    | (?P<fallback>\|\|)
    | (?P<always>24/7)
    | (?P<time>\d{1,2}[:：]\d{2})
    | (?P<number>\d+)
    | (?P<word>[A-Za-z]+)
    | (?P<dash>[-–—~～－])
    | (?P<comma>[,，])
    | (?P<semicolon>[;；])
    | (?P<other>\S)
    )""",
    re.VERBOSE,
)

Interval = tuple[str, str]


class OsmHoursError(ValueError):
    """`code` is `invalid_opening_hours` (not the syntax) or `unsupported_opening_hours` (valid, but more than
    the directory's hours can hold); the message names the offending part."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Token:
    kind: str
    text: str
    position: int  # 1-based, for messages


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only whitespace is left
            break
        kind = match.lastgroup or "other"
        tokens.append(_Token(kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    return tokens


def _minutes(text: str) -> int:
    hours, minutes = re.split("[:：]", text)
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class _Rule:
    weekdays: list[int]
    holidays: bool
    day: date | None
    intervals: list[Interval] | None  # None: no time given (open all day); []: off
    note: str | None
    additional: bool


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    # Token helpers -------------------------------------------------------------------------------------------------

    def peek(self, offset: int = 0) -> _Token | None:
        index = self.index + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def is_(self, kind: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == kind

    def fail(self, code: str, what: str, token: _Token | None = None) -> OsmHoursError:
        token = token or self.peek()
        if token is None:
            return OsmHoursError(code, f"{what} at the end of {self.text!r}")
        rest = self.text[token.position - 1 :]
        shown = rest if len(rest) <= 24 else rest[:24] + "…"
        return OsmHoursError(code, f"{what} at character {token.position}: {shown!r}")

    def is_symbol(self, symbols: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "other" and token.text in symbols

    def word(self, offset: int = 0) -> str | None:
        token = self.peek(offset)
        return token.text.lower() if token is not None and token.kind == "word" else None

    # Grammar -------------------------------------------------------------------------------------------------------

    def rules(self) -> list[_Rule]:
        rules: list[_Rule] = []
        additional = False
        while self.peek() is not None:
            rules.append(self.rule(additional))
            token = self.peek()
            if token is None:
                break
            if token.kind == "fallback":
                raise self.fail(UNSUPPORTED, "fallback rules (`||`) are not supported")
            if token.kind not in ("semicolon", "comma"):
                raise self.fail(INVALID, "expected `;` between rules")
            additional = self.take().kind == "comma"
            if self.peek() is None and not additional:
                break  # a trailing `;` is harmless
        return rules

    def rule(self, additional: bool) -> _Rule:
        rule = _Rule(weekdays=[], holidays=False, day=None, intervals=None, note=None, additional=additional)
        if self.peek() is None or self.is_("semicolon") or self.is_("comma") or self.is_("fallback"):
            raise self.fail(INVALID, "an empty rule")
        if self.is_("always"):
            self.take()
            rule.weekdays, rule.intervals = list(range(1, 8)), [ALL_DAY]
            return rule
        if self.is_("number"):
            rule.day = self.full_date()
        elif self.word() is not None and self.word() not in ("off", "closed", "open"):
            self.weekday_selector(rule)
        else:
            rule.weekdays = list(range(1, 8))
        rule.intervals = self.time_part()
        if self.is_("comment"):
            if rule.day is None:
                raise self.fail(UNSUPPORTED, "a comment is kept only on a dated rule")
            rule.note = self.take().text[1:-1]
        return rule

    def full_date(self) -> date:
        year = self.take()
        if len(year.text) != 4:
            raise self.fail(UNSUPPORTED, "a day selector must be a full date such as `2026 Dec 25`", year)
        month = self.word()
        if month is None or month.capitalize() not in MONTHS:
            raise self.fail(UNSUPPORTED, "a year must be followed by a month and day, e.g. `2026 Dec 25`")
        self.take()
        if not self.is_("number"):
            raise self.fail(UNSUPPORTED, "only full dates (year, month and day) are supported")
        day = self.take()
        if self.is_("dash") or (self.is_("comma") and self.is_("number", 1)):
            raise self.fail(UNSUPPORTED, "date ranges and lists are not supported: one date per rule")
        try:
            return date(int(year.text), MONTHS.index(month.capitalize()) + 1, int(day.text))
        except ValueError as error:
            raise self.fail(INVALID, f"no such date ({error})", year) from error

    def weekday_selector(self, rule: _Rule) -> None:
        while True:
            word, token = self.word(), self.peek()
            if word is None:
                raise self.fail(INVALID, "expected a weekday such as `Mo`")
            assert token is not None
            if word == "ph":
                self.take()
                rule.holidays = True
                if self.is_symbol("+["):
                    raise self.fail(UNSUPPORTED, "offsets from public holidays are not supported")
            elif word in _UNSUPPORTED_WORDS:
                raise self.fail(UNSUPPORTED, f"{_UNSUPPORTED_WORDS[word]} are not supported", token)
            elif word.capitalize() in MONTHS:
                raise self.fail(UNSUPPORTED, "months need a year and a day: only full dates are supported", token)
            elif word.capitalize() in WEEKDAYS:
                self.take()
                first = WEEKDAYS.index(word.capitalize()) + 1
                last = first
                if self.is_symbol("["):
                    raise self.fail(UNSUPPORTED, "the nth weekday of a month is not supported")
                if self.is_("dash"):
                    self.take()
                    end = self.word()
                    if end is None or end.capitalize() not in WEEKDAYS:
                        raise self.fail(INVALID, "expected a weekday after `-`")
                    self.take()
                    last = WEEKDAYS.index(end.capitalize()) + 1
                span = (last - first) % 7
                rule.weekdays += [(first - 1 + step) % 7 + 1 for step in range(span + 1)]
            else:
                raise self.fail(INVALID, "expected a weekday (`Mo`…`Su`), `PH`, a time or `off`", token)
            # Within a day selector a comma always continues the list (a rule's own comma comes after its times).
            if not self.is_("comma"):
                return
            self.take()

    def time_part(self) -> list[Interval] | None:
        word = self.word()
        if word in ("off", "closed"):
            self.take()
            return []
        if word == "open":
            self.take()
            return None
        if word in _UNSUPPORTED_WORDS:
            raise self.fail(UNSUPPORTED, f"{_UNSUPPORTED_WORDS[word]} are not supported")
        if not self.is_("time"):
            return None
        intervals = [self.time_range()]
        while self.is_("comma") and self.is_("time", 1):
            self.take()
            intervals.append(self.time_range())
        return intervals

    def time_range(self) -> Interval:
        start_token = self.take()
        start = _minutes(start_token.text)
        if start > DAY_MINUTES or start_token.text[-2:] >= "60":
            raise self.fail(INVALID, "not a time of day", start_token)
        if self.is_symbol("+"):
            raise self.fail(UNSUPPORTED, "open ends (`+`) are not supported")
        if not self.is_("dash"):
            raise self.fail(INVALID, "expected `-` and a closing time")
        self.take()
        if self.word() in _UNSUPPORTED_WORDS:
            raise self.fail(UNSUPPORTED, f"{_UNSUPPORTED_WORDS[self.word() or '']} are not supported")
        if not self.is_("time"):
            raise self.fail(INVALID, "expected a closing time such as `17:00`")
        end_token = self.take()
        end = _minutes(end_token.text)
        if end_token.text[-2:] >= "60" or end > 2 * DAY_MINUTES:
            raise self.fail(INVALID, "not a closing time", end_token)
        if self.is_symbol("+/"):
            raise self.fail(UNSUPPORTED, "open ends (`+`) and repeating times (`/`) are not supported")
        if end > DAY_MINUTES:
            # OpenStreetMap writes hours past midnight as 26:00; the model closes at 02:00, after the opening.
            end -= DAY_MINUTES
            if end > start:
                raise self.fail(UNSUPPORTED, "a range longer than a day is not supported", start_token)
        return _clock(start), _clock(end)


_PHASES = ("weekday", "PH", "date")


def _phase(rule: _Rule) -> int:
    return 2 if rule.day is not None else 1 if rule.holidays else 0


def parse_osm_hours(text: str) -> dict:
    """The structured hours (the dict form of `OpeningHours`, canonical) of an `opening_hours` text; an empty text
    means no known hours. Raises OsmHoursError."""
    parser = _Parser(text)
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
        return OpeningHours.model_validate(hours).model_dump(mode="json")
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise OsmHoursError(
            UNSUPPORTED, f"more than the directory's hours can hold: {where}: {first['msg']}"
        ) from error


def _dated(rule: _Rule, intervals: list[Interval], earlier: dict | None) -> dict:
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
    """One rule per distinct time range, naming every day that has it."""
    days_of: dict[Interval, list[int]] = {}
    for weekday in sorted(weekly):
        for interval in _day_schedule(weekly[weekday]):
            days_of.setdefault(interval, []).append(weekday)
    return [{"days": days_of[interval], "opens": interval[0], "closes": interval[1]} for interval in sorted(days_of)]


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
        return f"{opens}-{_clock(_minutes(closes) + DAY_MINUTES)}"
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
