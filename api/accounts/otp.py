"""Residents' sign-in by SMS code: send a code, check it, and create the resident on first sign-in."""

import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.phones import normalize_phone
from api.accounts.runtime import AccountsRuntime
from api.accounts.sms import SmsUnavailable
from api.db import after_commit, unit_of_work
from api.errors import Forbidden, Unauthorized, ValidationFailed
from api.ratelimit import Rule
from models import OtpChallenge, UserAccount

CODE_VALID_MINUTES = 10
MAX_ATTEMPTS = 5
SENDS_PER_PHONE = Rule.of("otp-phone", "5/hour", "at most 5 codes an hour are sent to one phone")
SENDS_PER_ADDRESS = Rule.of("otp-address", "20/hour", "too many codes were requested from this network")


class InvalidCode(Unauthorized):
    code, title = "invalid_code", "The code is wrong or no longer valid"


class WrongCode(InvalidCode):
    keeps_changes = True  # the failed try stays counted against the challenge


class AccountDisabled(Forbidden):
    code, title = "account_disabled", "This account is disabled"


def phone_limit_identity(secret: str, phone: str) -> str:
    """What the per-phone send limit is counted under: a keyed hash, so that the rate-limit store (Redis) never
    holds a phone number in plain text, and nobody without the secret can tell whose counter it is."""
    return hmac.new(secret.encode(), f"rate-limit:{phone}".encode(), hashlib.sha256).hexdigest()[:32]


async def forget_limits_of(runtime: AccountsRuntime, secret: str, phone: str) -> None:
    """Erase the phone's send counter (and the plain-text one that earlier versions kept for up to an hour)."""
    await runtime.limiter.clear(SENDS_PER_PHONE, phone_limit_identity(secret, phone))
    await runtime.limiter.clear(SENDS_PER_PHONE, phone)


def _code_digest(secret: str, challenge_id: str, code: str) -> str:
    return hmac.new(secret.encode(), f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


async def send_code(
    session: AsyncSession, runtime: AccountsRuntime, secret: str, raw_phone: str, address: str
) -> OtpChallenge:
    phone = normalize_phone(raw_phone)
    if phone is None:
        raise ValidationFailed(
            "this is not a mainland mobile number (11 digits starting with 1, +86 allowed)",
            errors=[{"loc": ["body", "phone"], "msg": "not a mobile number", "type": "invalid_phone"}],
        )
    await runtime.limiter.hit(SENDS_PER_ADDRESS, address)
    await runtime.limiter.hit(SENDS_PER_PHONE, phone_limit_identity(secret, phone))
    fixed_code = runtime.otp_test_codes.get(phone)
    code = fixed_code or f"{secrets.randbelow(1_000_000):06d}"
    now = datetime.now(UTC)
    challenge_id = secrets.token_urlsafe(24)
    challenge = OtpChallenge(
        id=challenge_id,
        phone=phone,
        code_hash=_code_digest(secret, challenge_id, code),
        created_at=now,
        expires_at=now + timedelta(minutes=CODE_VALID_MINUTES),
    )
    session.add(challenge)
    await session.flush()
    if fixed_code is None:
        after_commit(session, functools.partial(_deliver, session, runtime, challenge_id, phone, code))
    return challenge


async def _deliver(session: AsyncSession, runtime: AccountsRuntime, challenge_id: str, phone: str, code: str) -> None:
    """Text the code once its challenge is committed, so that a slow gateway holds no transaction; a code that could
    not be sent leaves no challenge behind to be guessed."""
    try:
        await runtime.sms.send_code(phone, code, CODE_VALID_MINUTES)
    except SmsUnavailable:
        async with unit_of_work(session):
            await session.execute(delete(OtpChallenge).where(OtpChallenge.id == challenge_id))
        raise


async def verify_code(session: AsyncSession, secret: str, challenge_id: str, code: str) -> UserAccount:
    """The resident the code signs in (created on first sign-in). Every try counts, the right one included."""
    now = datetime.now(UTC)
    # Counting first, atomically, makes concurrent guesses on one challenge wait for each other.
    counted = (
        await session.execute(
            update(OtpChallenge)
            .where(
                OtpChallenge.id == challenge_id,
                OtpChallenge.consumed_at.is_(None),
                OtpChallenge.expires_at > now,
                OtpChallenge.attempts < MAX_ATTEMPTS,
            )
            .values(attempts=OtpChallenge.attempts + 1)
            .returning(OtpChallenge.phone, OtpChallenge.code_hash, OtpChallenge.attempts)
            .execution_options(synchronize_session=False)
        )
    ).first()
    if counted is None:
        raise InvalidCode("this code has expired, was already used or had too many wrong tries; ask for a new one")
    if not hmac.compare_digest(counted.code_hash, _code_digest(secret, challenge_id, code)):
        left = MAX_ATTEMPTS - counted.attempts
        raise WrongCode(f"the code is wrong; {left} tries left" if left else "the code is wrong; ask for a new one")
    await session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.id == challenge_id)
        .values(consumed_at=now)
        .execution_options(synchronize_session=False)
    )
    return await _resident_for(session, counted.phone, now)


async def _resident_for(session: AsyncSession, phone: str, now: datetime) -> UserAccount:
    resident = await _by_phone(session, phone)
    if resident is None:
        try:
            async with session.begin_nested():
                resident = UserAccount(role="resident", phone=phone, created_at=now, updated_at=now)
                session.add(resident)
        except IntegrityError:
            # The same phone signed in through another challenge at the same moment.
            resident = await _by_phone(session, phone)
            assert resident is not None
    if not resident.is_active:
        raise AccountDisabled("this account is disabled; contact 12345 for help")
    resident.last_sign_in_at = now
    return resident


async def _by_phone(session: AsyncSession, phone: str) -> UserAccount | None:
    return (await session.execute(select(UserAccount).where(UserAccount.phone == phone))).scalar_one_or_none()
