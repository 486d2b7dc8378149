"""The part of the OpenStreetMap `opening_hours` grammar the directory reads: tokens and rules, before their
meaning is worked out (api/curation/formats/osm_hours.py).

Forgiving where operators in China slip: weekday and month names in any case, one-digit hours, full-width `：`,
`，`, `；` and `～` or `~` as the range dash.
"""

import re
from dataclasses import dataclass
from datetime import date

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


def minutes_of(text: str) -> int:
    hours, minutes = re.split("[:：]", text)
    return int(hours) * 60 + int(minutes)


def clock_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class Rule:
    weekdays: list[int]
    holidays: bool
    day: date | None
    intervals: list[Interval] | None  # None: no time given (open all day); []: off
    note: str | None
    additional: bool


class RuleParser:
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

    def rules(self) -> list[Rule]:
        rules: list[Rule] = []
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

    def rule(self, additional: bool) -> Rule:
        rule = Rule(weekdays=[], holidays=False, day=None, intervals=None, note=None, additional=additional)
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

    def weekday_selector(self, rule: Rule) -> None:
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
        start = minutes_of(start_token.text)
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
        end = minutes_of(end_token.text)
        if end_token.text[-2:] >= "60" or end > 2 * DAY_MINUTES:
            raise self.fail(INVALID, "not a closing time", end_token)
        if self.is_symbol("+/"):
            raise self.fail(UNSUPPORTED, "open ends (`+`) and repeating times (`/`) are not supported")
        if end > DAY_MINUTES:
            # OpenStreetMap writes hours past midnight as 26:00; the model closes at 02:00, after the opening.
            end -= DAY_MINUTES
            if end > start:
                raise self.fail(UNSUPPORTED, "a range longer than a day is not supported", start_token)
        return clock_text(start), clock_text(end)
