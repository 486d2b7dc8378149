"""Sessions of the staff web console: a random secret in an HttpOnly cookie, its hash in the database.

A session ends at sign-out, when the account's sessions are revoked (a new password, an admin disabling it), or
after `IDLE_LIMIT` without a request. The CSRF token of a session is derived from its secret, so it needs no
column and changes with every sign-in.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.tokens import token_digest
from models import ConsoleSession

IDLE_LIMIT = timedelta(minutes=30)
# However busy (a page that polls keeps a session from idling), a session ends after a working day: sign in again.
ABSOLUTE_LIMIT = timedelta(hours=12)
# Touching the session on every page would write on every read; a minute's slack in a 30-minute limit is nothing.
TOUCH_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class Started:
    secret: str
    csrf_token: str


@dataclass(frozen=True)
class Resumed:
    session_id: int
    user_id: int
    csrf_token: str


def csrf_token_for(signing_key: str, purpose: str, secret: str) -> str:
    """The token a form must carry beside the cookie holding `secret`: an HMAC, so the page that shows it reveals
    nothing of the cookie, and a forger who cannot read the cookie cannot make it."""
    # A key of its own, derived from the app's secret, so that no token of another kind can ever pass as this one.
    key = hmac.new(signing_key.encode(), b"console-csrf", hashlib.sha256).digest()
    return hmac.new(key, f"{purpose}:{secret}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(signing_key: str, purpose: str, secret: str | None, presented: str | None) -> bool:
    if not secret or not presented:
        return False
    return hmac.compare_digest(csrf_token_for(signing_key, purpose, secret), presented)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def start(session: AsyncSession, signing_key: str, user_id: int, now: datetime | None = None) -> Started:
    now = now or datetime.now(UTC)
    secret = new_secret()
    session.add(ConsoleSession(token_hash=token_digest(secret), user_id=user_id, created_at=now, last_seen_at=now))
    await session.flush()
    return Started(secret, csrf_token_for(signing_key, "session", secret))


async def resume(session: AsyncSession, signing_key: str, secret: str, now: datetime | None = None) -> Resumed | None:
    """The live session this cookie opens, its idle clock restarted; None when it ended or never was."""
    now = now or datetime.now(UTC)
    row = (
        await session.execute(
            select(
                ConsoleSession.id, ConsoleSession.user_id, ConsoleSession.created_at, ConsoleSession.last_seen_at
            ).where(ConsoleSession.token_hash == token_digest(secret), ConsoleSession.revoked_at.is_(None))
        )
    ).first()
    if row is None or row.last_seen_at + IDLE_LIMIT <= now or row.created_at + ABSOLUTE_LIMIT <= now:
        return None
    if row.last_seen_at + TOUCH_AFTER <= now:
        await session.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == row.id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
    return Resumed(row.id, row.user_id, csrf_token_for(signing_key, "session", secret))


async def end(session: AsyncSession, secret: str) -> None:
    await session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.token_hash == token_digest(secret), ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )


async def revoke_all_for(session: AsyncSession, user_id: int, now: datetime) -> None:
    await session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.user_id == user_id, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
