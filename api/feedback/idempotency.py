"""Idempotency-Key for residents' POSTs: the same key and body replay the stored answer, a different body is a
422, and the key is claimed in the same transaction as whatever the request creates."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.errors import AppError, BadRequest
from models import IdempotencyRecord


class IdempotencyKeyMissing(BadRequest):
    code, title = "idempotency_key_required", "Idempotency-Key is required"


class IdempotencyConflict(AppError):
    status, code, title = 422, "idempotency_conflict", "This Idempotency-Key was used with another request"


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: dict[str, Any]
    replayed: bool


def request_fingerprint(body: Any) -> str:
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def once(
    session: AsyncSession,
    user_id: int,
    key: str | None,
    body: Any,
    produce: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> StoredAnswer:
    """Run `produce` once per (resident, key); later identical requests get its stored answer."""
    if not key:
        raise IdempotencyKeyMissing("send an Idempotency-Key header (a UUID) so that a retry cannot post twice")
    fingerprint = request_fingerprint(body)
    stored = await _replay(session, user_id, key, fingerprint)
    if stored is not None:
        return stored
    await race_hooks.after_check("idempotency.claim")
    try:
        # Claiming the key first makes a concurrent twin wait on the unique index until this one commits.
        async with session.begin_nested():
            record = IdempotencyRecord(user_id=user_id, key=key, request_hash=fingerprint)
            session.add(record)
            await session.flush()
    except IntegrityError:
        stored = await _replay(session, user_id, key, fingerprint)
        if stored is None:
            raise
        return stored
    status, answer = await produce()
    record.response_status, record.response_body = status, answer
    await session.flush()
    return StoredAnswer(status, answer, replayed=False)


async def _replay(session: AsyncSession, user_id: int, key: str, fingerprint: str) -> StoredAnswer | None:
    row = (
        await session.execute(
            select(
                IdempotencyRecord.request_hash, IdempotencyRecord.response_status, IdempotencyRecord.response_body
            ).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was already used with a different body; use a new key")
    if row.response_status is None:
        return None
    return StoredAnswer(row.response_status, row.response_body, replayed=True)
