"""Public figures on how feedback is handled: no personal data, only counts, times and ratings."""

import statistics
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback import states
from models import Feedback

UNKNOWN_DISTRICT = "unknown"


def _median_hours(resolved: Sequence[Any]) -> float | None:
    hours = [(row.resolved_at - row.created_at).total_seconds() / 3600 for row in resolved]
    return round(statistics.median(hours), 1) if hours else None


def _within_deadline_share(resolved: Sequence[Any]) -> float | None:
    return round(sum(row.resolved_at <= row.due_at for row in resolved) / len(resolved), 3) if resolved else None


async def feedback_stats(session: AsyncSession, district: str | None = None) -> dict:
    scope = [Feedback.district_code == district] if district else []
    by_status = (
        await session.execute(select(Feedback.status, func.count()).where(*scope).group_by(Feedback.status))
    ).all()
    by_district = (
        await session.execute(
            select(Feedback.district_code, func.count()).where(*scope).group_by(Feedback.district_code)
        )
    ).all()
    resolved = (
        await session.execute(
            select(Feedback.created_at, Feedback.resolved_at, Feedback.due_at).where(
                *scope, Feedback.resolved_at.is_not(None)
            )
        )
    ).all()
    rating = (await session.execute(select(func.avg(Feedback.rating), func.count(Feedback.rating)).where(*scope))).one()
    return {
        "total": sum(count for _, count in by_status),
        "by_status": [{"key": status, "count": count} for status, count in sorted(by_status)],
        "by_district": [
            {"key": code or UNKNOWN_DISTRICT, "count": count}
            for code, count in sorted(by_district, key=lambda item: (item[0] is None, item[0] or ""))
        ],
        "median_hours_to_resolution": _median_hours(resolved),
        "resolved_within_deadline_share": _within_deadline_share(resolved),
        "average_rating": round(float(rating[0]), 2) if rating[0] is not None else None,
        "ratings": rating[1],
    }


async def overdue_count(session: AsyncSession, district: str | None = None, now: datetime | None = None) -> int:
    """Open feedback past their deadline (of one district, or of all)."""
    scope = [Feedback.district_code == district] if district else []
    return await session.scalar(
        select(func.count()).where(
            *scope, Feedback.status.in_(states.OPEN_STATUSES), Feedback.due_at < (now or datetime.now(UTC))
        )
    )


async def figures_by_district(session: AsyncSession, now: datetime | None = None) -> list[dict]:
    """For each district with feedback (and "unknown" for those with none): the feedback open and overdue, and the
    figures of `feedback_stats` for that district alone, counted the same way."""
    now = now or datetime.now(UTC)
    figures: dict[str | None, dict] = {}

    def of(code: str | None) -> dict:
        return figures.setdefault(
            code,
            {
                "district": code or UNKNOWN_DISTRICT,
                "total": 0,
                "open": 0,
                "overdue": 0,
                "median_hours_to_resolution": None,
                "resolved_within_deadline_share": None,
                "average_rating": None,
                "ratings": 0,
            },
        )

    counts = await session.execute(
        select(Feedback.district_code, Feedback.status, func.count()).group_by(Feedback.district_code, Feedback.status)
    )
    for code, status, count in counts:
        of(code)["total"] += count
        if status in states.OPEN_STATUSES:
            of(code)["open"] += count
    overdue = await session.execute(
        select(Feedback.district_code, func.count())
        .where(Feedback.status.in_(states.OPEN_STATUSES), Feedback.due_at < now)
        .group_by(Feedback.district_code)
    )
    for code, count in overdue:
        of(code)["overdue"] = count
    resolved: dict[str | None, list[Any]] = {}
    for row in await session.execute(
        select(Feedback.district_code, Feedback.created_at, Feedback.resolved_at, Feedback.due_at).where(
            Feedback.resolved_at.is_not(None)
        )
    ):
        resolved.setdefault(row.district_code, []).append(row)
    for code, rows in resolved.items():
        of(code).update(
            median_hours_to_resolution=_median_hours(rows), resolved_within_deadline_share=_within_deadline_share(rows)
        )
    ratings = await session.execute(
        select(Feedback.district_code, func.avg(Feedback.rating), func.count(Feedback.rating))
        .where(Feedback.rating.is_not(None))
        .group_by(Feedback.district_code)
    )
    for code, average, count in ratings:
        of(code).update(average_rating=round(float(average), 2), ratings=count)
    return sorted(figures.values(), key=lambda item: (item["district"] == UNKNOWN_DISTRICT, item["district"]))
