"""Keys for machines that push live figures (a car park's or a nursing home's system).

A key reads `svk_<prefix>_<secret>`: the prefix names the key in lists (it is not secret), the secret is 256 random
bits. Only a SHA-256 of the whole key is kept, as for refresh tokens: a key that random needs no slow hash, and
looking it up by its digest reveals nothing about keys that do not match. The key itself is shown once, when it is
made.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.accounts.tokens import token_digest
from api.errors import NotFound, Unauthorized, ValidationFailed
from api.pagination import rows_by_id
from models import Category, District, FeedKey

KEY_MARK = "svk_"
# A machine pushes every minute: its key's last use is written at most this often, so that a feed costs no extra
# write (and no lock on the key's row) on most of its calls, while an admin still sees within a minute which keys
# are alive.
LAST_USE_RESOLUTION = timedelta(minutes=1)


class InvalidApiKey(Unauthorized):
    """The same answer for a key that never existed, a revoked one and a malformed one: no hint which."""

    code, title = "invalid_api_key", "The API key is not valid"

    def __init__(self) -> None:
        super().__init__("the API key is unknown or revoked")


@dataclass(frozen=True)
class NewKey:
    key: str
    prefix: str
    digest: str


def new_key() -> NewKey:
    prefix = KEY_MARK + secrets.token_hex(6)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(key, prefix, token_digest(key))


async def _checked_scope(session: AsyncSession, districts: list[str], categories: list[str]) -> None:
    known = set((await session.scalars(select(District.code).where(District.code.in_(districts)))).all())
    live = set(
        (
            await session.scalars(
                select(Category.code).where(
                    Category.code.in_(categories), Category.kind == "place", Category.live_capacity_unit.is_not(None)
                )
            )
        ).all()
    )
    problems = []
    if unknown := sorted(set(districts) - known):
        problems.append(
            {"loc": ["body", "districts"], "msg": f"unknown district {', '.join(unknown)}", "type": "unknown_district"}
        )
    if not_live := sorted(set(categories) - live):
        problems.append(
            {
                "loc": ["body", "categories"],
                "msg": f"no live figures in {', '.join(not_live)}",
                "type": "no_live_figures",
            }
        )
    if problems:
        raise ValidationFailed("the key's scope names what does not exist or has no live figures", errors=problems)


async def create_key(
    session: AsyncSession, actor_id: int, *, name: str, districts: list[str], categories: list[str]
) -> tuple[FeedKey, str]:
    """A new key scoped to these districts and categories (each must exist and have live figures), and the key
    itself, which is not kept and cannot be shown again."""
    districts, categories = sorted(set(districts)), sorted(set(categories))
    await _checked_scope(session, districts, categories)
    made = new_key()
    row = FeedKey(
        name=name,
        prefix=made.prefix,
        key_hash=made.digest,
        districts=districts,
        categories=categories,
        created_by=actor_id,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="feed_key.create",
        object_type="feed_key",
        object_id=row.id,
        details={"name": name, "prefix": made.prefix, "districts": districts, "categories": categories},
    )
    return row, made.key


async def list_keys(session: AsyncSession, *, limit: int, cursor: str | None) -> tuple[list[FeedKey], str | None]:
    """Newest first, revoked ones included (they say when)."""
    return await rows_by_id(
        session, select(FeedKey), FeedKey.id, kind="feed_keys", limit=limit, cursor=cursor, newest_first=True
    )


async def get_key(session: AsyncSession, key_id: int) -> FeedKey:
    """One key as listed (its prefix and scope, never the key), revoked or not."""
    row = await session.get(FeedKey, key_id)
    if row is None:
        raise NotFound(f"there is no API key {key_id}")
    return row


async def revoke_key(session: AsyncSession, actor_id: int, key_id: int) -> None:
    """The key stops working at once. Revoking a revoked key again changes nothing and is not audited twice."""
    row = await session.get(FeedKey, key_id, with_for_update=True)
    if row is None:
        raise NotFound(f"there is no API key {key_id}")
    if row.revoked_at is not None:
        return
    row.revoked_at = datetime.now(UTC)
    audit.record(
        session,
        actor_id=actor_id,
        action="feed_key.revoke",
        object_type="feed_key",
        object_id=key_id,
        details={"name": row.name, "prefix": row.prefix},
    )


async def key_in_use(session: AsyncSession, presented: str) -> FeedKey:
    """The live key the caller presented; `InvalidApiKey` for anything else."""
    if not presented.startswith(KEY_MARK) or len(presented) > 200:
        raise InvalidApiKey()
    row = await session.scalar(select(FeedKey).where(FeedKey.key_hash == token_digest(presented)))
    if row is None or row.revoked_at is not None:
        raise InvalidApiKey()
    return row


async def mark_used(session: AsyncSession, key_id: int, now: datetime) -> None:
    """Record the key's use, unless it was recorded within `LAST_USE_RESOLUTION`. The condition is in the UPDATE
    itself, so that concurrent calls of one key write it once. Callers run it before they lock any listing: a call
    waiting here for the key's row holds no other lock, so no two calls can wait for each other."""
    await session.execute(
        update(FeedKey)
        .where(
            FeedKey.id == key_id,
            or_(FeedKey.last_used_at.is_(None), FeedKey.last_used_at <= now - LAST_USE_RESOLUTION),
        )
        .values(last_used_at=now)
    )
