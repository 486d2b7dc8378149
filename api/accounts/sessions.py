"""Sign-in sessions as refresh-token families: issue, rotate on every use, revoke the family on replay."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.accounts import console_sessions
from api.accounts.tokens import InvalidToken, TokenCodec, new_family_id, new_refresh_token, token_digest
from models import RefreshToken, UserAccount


class InvalidRefreshToken(InvalidToken):
    def __init__(self, detail: str = "the refresh token is not valid; sign in again") -> None:
        super().__init__(detail)


class RefreshTokenReplayed(InvalidRefreshToken):
    code, title = "refresh_token_reused", "The refresh token was already used"
    keeps_changes = True  # the family stays revoked although the answer is an error


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    token_type: str = "bearer"


async def start(session: AsyncSession, codec: TokenCodec, user_id: int) -> TokenPair:
    return await _issue(session, codec, user_id, new_family_id(), datetime.now(UTC))


async def rotate(session: AsyncSession, codec: TokenCodec, presented: str) -> TokenPair:
    """A new pair for a live refresh token, which stops working. Of two uses of one token, one wins."""
    digest = token_digest(presented)
    now = datetime.now(UTC)
    # The claim is one conditional UPDATE: the database lets exactly one of two racing requests through.
    claimed = (
        await session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == digest,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(RefreshToken.user_id, RefreshToken.family_id)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if claimed is None:
        known = (
            await session.execute(
                select(RefreshToken.family_id, RefreshToken.used_at, RefreshToken.revoked_at).where(
                    RefreshToken.token_hash == digest
                )
            )
        ).first()
        if known is not None and known.used_at is not None and known.revoked_at is None:
            # A rotated token came back: someone holds a copy. End the whole session, for both holders.
            await revoke_family(session, known.family_id, now)
            raise RefreshTokenReplayed("this refresh token was already used; the session is ended, sign in again")
        raise InvalidRefreshToken()
    await race_hooks.after_check("refresh_token.claim")
    active = (
        await session.execute(
            select(UserAccount.id).where(
                UserAccount.id == claimed.user_id, UserAccount.is_active, UserAccount.deleted_at.is_(None)
            )
        )
    ).first()
    if active is None:
        raise InvalidRefreshToken("this account is disabled")
    return await _issue(session, codec, claimed.user_id, claimed.family_id, now)


async def end(session: AsyncSession, presented: str) -> None:
    """Sign out: the token's whole family stops working. Unknown tokens are ignored (nothing to end)."""
    family_id = (
        await session.execute(select(RefreshToken.family_id).where(RefreshToken.token_hash == token_digest(presented)))
    ).scalar_one_or_none()
    if family_id is not None:
        await revoke_family(session, family_id, datetime.now(UTC))


async def revoke_family(session: AsyncSession, family_id: str, now: datetime) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


async def revoke_all_for(session: AsyncSession, user_id: int) -> None:
    """Every session of the account ends: the app's refresh tokens and the web console's cookies."""
    now = datetime.now(UTC)
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    await console_sessions.revoke_all_for(session, user_id, now)


async def _issue(session: AsyncSession, codec: TokenCodec, user_id: int, family_id: str, now: datetime) -> TokenPair:
    presented = new_refresh_token()
    session.add(
        RefreshToken(
            token_hash=token_digest(presented),
            family_id=family_id,
            user_id=user_id,
            issued_at=now,
            expires_at=now + codec.refresh_lifetime,
        )
    )
    await session.flush()
    return TokenPair(
        access_token=codec.issue_access(user_id, now),
        refresh_token=presented,
        expires_in=int(codec.access_lifetime.total_seconds()),
        refresh_expires_in=int(codec.refresh_lifetime.total_seconds()),
    )
