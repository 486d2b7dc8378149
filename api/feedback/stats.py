"""Public figures on how feedback is handled: no personal data, only counts, times and ratings."""

import statistics

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Feedback


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
    hours = [(row.resolved_at - row.created_at).total_seconds() / 3600 for row in resolved]
    return {
        "total": sum(count for _, count in by_status),
        "by_status": [{"key": status, "count": count} for status, count in sorted(by_status)],
        "by_district": [
            {"key": code or "unknown", "count": count}
            for code, count in sorted(by_district, key=lambda item: (item[0] is None, item[0] or ""))
        ],
        "median_hours_to_resolution": round(statistics.median(hours), 1) if hours else None,
        "resolved_within_deadline_share": (
            round(sum(row.resolved_at <= row.due_at for row in resolved) / len(resolved), 3) if resolved else None
        ),
        "average_rating": round(float(rating[0]), 2) if rating[0] is not None else None,
        "ratings": rating[1],
    }
