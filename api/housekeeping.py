"""Periodic upkeep: close feedback past its reopening window, count provisional deadlines again with the
database's calendar, forget what has stopped mattering.

Every step is an idempotent bulk statement, so several workers running a round at once is harmless.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.console_sessions import IDLE_LIMIT as CONSOLE_IDLE_LIMIT
from api.calendar import health as calendar_health
from api.curation.imports.jobs import fail_interrupted
from api.db import UPKEEP_LOCK, Database, take_turn, unit_of_work
from api.feedback import provisional, workflow
from api.feedback import service as feedback_service
from models import ConsoleSession, IdempotencyRecord, OtpChallenge, RefreshToken

logger = structlog.get_logger(__name__)

# Sign-in codes live 10 minutes; a day later they explain nothing.
OTP_KEPT = timedelta(days=1)
# A client retries within minutes; a month of keys answers any late retry.
IDEMPOTENCY_KEPT = timedelta(days=30)
# Rotated tokens stay until they expire (a replay must still be recognised), then a day more.
EXPIRED_TOKENS_KEPT = timedelta(days=1)


async def run_round(
    session: AsyncSession, now: datetime | None = None, photo_storage: feedback_service.PhotoStorage | None = None
) -> dict[str, int]:
    now = now or datetime.now(UTC)
    calendar_health.warn_if_running_out(now)
    counts = {
        "feedback_closed": await workflow.close_unrated(session, now),
        # A deadline counted with a stale copy of the calendar is counted again with the database's.
        "provisional_deadlines_recomputed": await provisional.recompute(session),
        "import_jobs_interrupted": await fail_interrupted(session, now),
        "photo_objects_orphaned": await feedback_service.remove_orphaned_photos(session, photo_storage, now),
    }
    for name, statement in (
        ("otp_challenges_deleted", delete(OtpChallenge).where(OtpChallenge.expires_at < now - OTP_KEPT)),
        (
            "idempotency_keys_deleted",
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - IDEMPOTENCY_KEPT),
        ),
        ("refresh_tokens_deleted", delete(RefreshToken).where(RefreshToken.expires_at < now - EXPIRED_TOKENS_KEPT)),
        (
            "console_sessions_deleted",
            delete(ConsoleSession).where(ConsoleSession.last_seen_at < now - CONSOLE_IDLE_LIMIT - EXPIRED_TOKENS_KEPT),
        ),
    ):
        result = await session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = result.rowcount or 0
    return counts


async def run_turn(
    session: AsyncSession, now: datetime | None = None, photo_storage: feedback_service.PhotoStorage | None = None
) -> dict[str, int] | None:
    """A round, unless another worker or instance is doing one now (None): one at a time in the whole cluster.
    Every step stays safe to repeat, so rounds one after another are harmless."""
    if not await take_turn(session, UPKEEP_LOCK):
        return None
    return await run_round(session, now, photo_storage)


async def housekeeping_loop(
    database: Database, interval_seconds: int, photo_storage: feedback_service.PhotoStorage | None = None
) -> None:
    """Run inside each worker; a round another worker or instance is doing already is not done twice."""
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            async with database.sessionmaker() as session, unit_of_work(session):
                counts = await run_turn(session, photo_storage=photo_storage)
            if counts is None:
                logger.info("housekeeping_skipped", reason="another instance is running it")
            elif any(counts.values()):
                logger.info("housekeeping", **counts)
        except Exception:  # noqa: BLE001  (a failed round is retried at the next interval)
            logger.exception("housekeeping_failed")
