"""How far ahead the holiday calendar reaches: reported by /readyz, a Prometheus gauge and a daily warning."""

from datetime import date, datetime
from typing import Any

import structlog

from api.calendar import days

# The State Council publishes the next year's schedule in the autumn; with under two months left someone must load it.
WARN_BELOW_DAYS = 60

_warned_on: date | None = None


def days_ahead(now: datetime | None = None) -> int:
    """Days from today (Shanghai) to the last day the calendar covers without a gap: /metrics reports it."""
    return days.current().days_ahead(days.shanghai_today(now))


def readiness(now: datetime | None = None) -> dict[str, Any]:
    """What /readyz says of the calendar; it never makes the service unready."""
    today = days.shanghai_today(now)
    calendar = days.current()
    last = calendar.covered_until(today)
    return {"covered_until": last.isoformat() if last else None, "days_ahead": calendar.days_ahead(today)}


def warn_if_running_out(now: datetime | None = None) -> bool:
    """Log `holiday_calendar_running_out` at most once a (Shanghai) day per process while fewer than
    WARN_BELOW_DAYS days are covered; whether it logged."""
    global _warned_on  # noqa: PLW0603  (once a day per process)
    today = days.shanghai_today(now)
    calendar = days.current()
    ahead = calendar.days_ahead(today)
    if ahead >= WARN_BELOW_DAYS or _warned_on == today:
        return False
    _warned_on = today
    last = calendar.covered_until(today)
    # A logger made per call (once a day): it logs through whatever structlog is configured with now.
    structlog.get_logger(__name__).warning(
        "holiday_calendar_running_out",
        days_ahead=ahead,
        covered_until=last.isoformat() if last else None,
        next_year=(last.year + 1) if last else today.year,
        action="load the State Council's schedule: svcdir calendar load FILE, or PUT /v1/admin/calendar/{year}",
    )
    return True
