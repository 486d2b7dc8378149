"""The upkeep round: closes feedback past its reopening window and forgets stale codes, keys and tokens."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.housekeeping import run_round
from models import ConsoleSession, Feedback, IdempotencyRecord, ImportJob, OtpChallenge, RefreshToken, UserAccount


async def test_a_round_closes_and_forgets_only_what_is_due(session: AsyncSession) -> None:
    now = datetime.now(UTC)
    resident = UserAccount(role="resident", phone="13655556666", created_at=now, updated_at=now)
    session.add(resident)
    await session.flush()

    def feedback(ref: str, resolved_days_ago: int) -> Feedback:
        resolved = now - timedelta(days=resolved_days_ago)
        return Feedback(
            ref=ref,
            author_id=resident.id,
            kind="complaint",
            status="resolved",
            title="路灯不亮",
            body="小区门口路灯连续一周不亮。",
            due_at=resolved,
            resolved_at=resolved,
            created_at=resolved - timedelta(days=1),
            updated_at=resolved,
        )

    session.add_all(
        [
            feedback("FK-20261001-OLD001", 8),
            feedback("FK-20261125-NEW001", 2),
            OtpChallenge(
                id="stale",
                phone="13655556666",
                code_hash="0" * 64,
                created_at=now - timedelta(days=3),
                expires_at=now - timedelta(days=3),
            ),
            OtpChallenge(
                id="fresh",
                phone="13655556666",
                code_hash="0" * 64,
                created_at=now,
                expires_at=now + timedelta(minutes=10),
            ),
            IdempotencyRecord(
                user_id=resident.id, key="old", request_hash="0" * 64, created_at=now - timedelta(days=40)
            ),
            IdempotencyRecord(user_id=resident.id, key="new", request_hash="0" * 64, created_at=now),
            # An import whose process stopped an hour ago, and one that may still be running in another worker.
            ImportJob(filename="lost.csv", file_format="csv", status="running", created_at=now - timedelta(hours=1)),
            ImportJob(filename="live.csv", file_format="csv", status="running", created_at=now),
            RefreshToken(
                token_hash="a" * 64,
                family_id="f1",
                user_id=resident.id,
                issued_at=now - timedelta(days=40),
                expires_at=now - timedelta(days=10),
                used_at=now - timedelta(days=35),
            ),
            RefreshToken(
                token_hash="b" * 64,
                family_id="f1",
                user_id=resident.id,
                issued_at=now,
                expires_at=now + timedelta(days=30),
                used_at=now,
            ),
            # A console session idle for days is gone; one used an hour ago stays (it may be revoked, not deleted).
            ConsoleSession(
                token_hash="c" * 64,
                user_id=resident.id,
                created_at=now - timedelta(days=5),
                last_seen_at=now - timedelta(days=4),
            ),
            ConsoleSession(
                token_hash="d" * 64,
                user_id=resident.id,
                created_at=now - timedelta(hours=2),
                last_seen_at=now - timedelta(hours=1),
            ),
        ]
    )
    await session.flush()

    counts = await run_round(session, now)

    assert counts == {
        "feedback_closed": 1,
        "provisional_deadlines_recomputed": 0,
        "otp_challenges_deleted": 1,
        "idempotency_keys_deleted": 1,
        "refresh_tokens_deleted": 1,
        "console_sessions_deleted": 1,
        "import_jobs_interrupted": 1,
        "photo_objects_orphaned": 0,
    }
    jobs = dict((await session.execute(select(ImportJob.filename, ImportJob.failure))).all())
    assert jobs["lost.csv"] == "interrupted" and jobs["live.csv"] is None
    statuses = dict(
        (await session.execute(select(Feedback.ref, Feedback.status).where(Feedback.author_id == resident.id))).all()
    )
    assert statuses == {"FK-20261001-OLD001": "closed", "FK-20261125-NEW001": "resolved"}
    assert set((await session.execute(select(OtpChallenge.id))).scalars()) >= {"fresh"}
    assert "stale" not in set((await session.execute(select(OtpChallenge.id))).scalars())
    assert (
        await session.execute(select(RefreshToken.token_hash).where(RefreshToken.user_id == resident.id))
    ).scalars().all() == ["b" * 64]  # the used but unexpired token stays, so a replay is still caught
    assert (
        await session.execute(select(ConsoleSession.token_hash).where(ConsoleSession.user_id == resident.id))
    ).scalars().all() == ["d" * 64]
    assert await run_round(session, now) == dict.fromkeys(counts, 0)
