"""Periodic upkeep: close feedback past its reopening window, count provisional deadlines again with the
database's calendar, forget what has stopped mattering.

Every step is an idempotent bulk statement, safe to repeat. Still, a round runs once in the whole cluster at a time
(a transaction-scoped advisory lock), and the loop of every worker of every instance skips a round when another
started one less than half an interval ago (the `upkeep_round` row): a fleet does a round about once an interval,
not once per worker.
"""

import asyncio
from dataclasses import dataclass
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
from models import ConsoleSession, IdempotencyRecord, OtpChallenge, RefreshToken, UpkeepRound

logger = structlog.get_logger(__name__)

# Sign-in codes live 10 minutes; a day later they explain nothing.
OTP_KEPT = timedelta(days=1)
# A client retries within minutes; a month of keys answers any late retry.
IDEMPOTENCY_KEPT = timedelta(days=30)
# Rotated tokens stay until they expire (a replay must still be recognised), then a day more.
EXPIRED_TOKENS_KEPT = timedelta(days=1)
ROUND_NAME = "housekeeping"


@dataclass(frozen=True)
class Skipped:
    """A round not done here: another worker or instance is doing one now, or did one recently."""

    reason: str
    by: str | None = None


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
    session: AsyncSession,
    instance: str,
    *,
    spacing: timedelta | None = None,
    now: datetime | None = None,
    photo_storage: feedback_service.PhotoStorage | None = None,
) -> dict[str, int] | Skipped:
    """A round, recorded as started by `instance`; Skipped while another worker or instance is doing one (one at
    a time in the whole cluster) or, with `spacing`, when the last round started less than `spacing` ago."""
    now = now or datetime.now(UTC)
    if not await take_turn(session, UPKEEP_LOCK):
        return Skipped("another worker or instance is doing a round now")
    last = await session.get(UpkeepRound, ROUND_NAME)
    if spacing is not None and last is not None and last.started_at > now - spacing:
        return Skipped("a round started recently", by=last.instance)
    if last is None:
        session.add(UpkeepRound(name=ROUND_NAME, started_at=now, instance=instance))
    else:
        last.started_at, last.instance = now, instance
    return await run_round(session, now, photo_storage)


async def housekeeping_loop(
    database: Database,
    interval_seconds: int,
    instance: str,
    photo_storage: feedback_service.PhotoStorage | None = None,
) -> None:
    """Run inside each worker, at start and then every interval; a round another worker or instance is doing, or
    started less than half an interval ago, is not done again."""
    spacing = timedelta(seconds=interval_seconds / 2)
    while True:
        try:
            async with database.sessionmaker() as session, unit_of_work(session):
                outcome = await run_turn(session, instance, spacing=spacing, photo_storage=photo_storage)
            if isinstance(outcome, Skipped):
                logger.info("housekeeping_skipped", reason=outcome.reason, by=outcome.by)
            else:
                logger.info("housekeeping", instance=instance, **outcome)
        except Exception:  # noqa: BLE001  (a failed round is retried at the next interval)
            logger.exception("housekeeping_failed")
        await asyncio.sleep(interval_seconds)
