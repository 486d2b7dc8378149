"""Periodic upkeep: close feedback past its reopening window, forget what has stopped mattering.

Every step is an idempotent bulk statement, so several workers running a round at once is harmless.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback import workflow
from models import IdempotencyRecord, OtpChallenge, RefreshToken

# Sign-in codes live 10 minutes; a day later they explain nothing.
OTP_KEPT = timedelta(days=1)
# A client retries within minutes; a month of keys answers any late retry.
IDEMPOTENCY_KEPT = timedelta(days=30)
# Rotated tokens stay until they expire (a replay must still be recognised), then a day more.
EXPIRED_TOKENS_KEPT = timedelta(days=1)


async def run_round(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    counts = {"feedback_closed": await workflow.close_unrated(session, now)}
    for name, statement in (
        ("otp_challenges_deleted", delete(OtpChallenge).where(OtpChallenge.expires_at < now - OTP_KEPT)),
        (
            "idempotency_keys_deleted",
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - IDEMPOTENCY_KEPT),
        ),
        ("refresh_tokens_deleted", delete(RefreshToken).where(RefreshToken.expires_at < now - EXPIRED_TOKENS_KEPT)),
    ):
        result = await session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = result.rowcount or 0
    return counts
