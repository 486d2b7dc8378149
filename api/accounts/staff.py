"""Staff accounts: password sign-in with throttling, and creating operators, reviewers and admins."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, race_hooks
from api.accounts import sessions
from api.accounts.passwords import PasswordHasher, check_new_password
from api.accounts.runtime import AccountsRuntime
from api.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from api.ratelimit import Rule
from models import STAFF_ROLES, District, DistrictGrant, UserAccount

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
FAILURES_PER_ACCOUNT = Rule.of(
    "login-account", "5/15minutes", "too many failed sign-ins for this username; wait before trying again"
)
ATTEMPTS_PER_ADDRESS = Rule.of("login-address", "30/hour", "too many sign-ins from this network")


class InvalidCredentials(Unauthorized):
    code, title = "invalid_credentials", "The username or password is wrong"

    def __init__(self) -> None:
        super().__init__(self.title, headers={"WWW-Authenticate": 'Bearer realm="svcdir"'})


class WrongPassword(Forbidden):
    code, title = "wrong_password", "The current password is wrong"


class UsernameTaken(Conflict):
    code, title = "username_taken", "This username is taken"


def normalize_username(raw: str) -> str:
    return raw.strip().lower()


async def sign_in(
    session: AsyncSession, runtime: AccountsRuntime, raw_username: str, password: str, address: str
) -> UserAccount:
    """The staff account these credentials open. Unknown users, disabled accounts and wrong passwords all
    answer the same error after the same argon2 work."""
    username = normalize_username(raw_username)
    # Every attempt is counted before its password is checked, each count one atomic step that refuses once the
    # budget is spent: of many guesses sent at once, no more than the budget are even checked. The address
    # first, so that a throttled address spends nothing of the accounts it tries.
    await runtime.limiter.hit(ATTEMPTS_PER_ADDRESS, address)
    await runtime.limiter.hit(FAILURES_PER_ACCOUNT, username)
    await race_hooks.after_check("staff_sign_in")
    account = (
        await session.execute(
            select(UserAccount).where(UserAccount.username == username, UserAccount.role.in_(STAFF_ROLES))
        )
    ).scalar_one_or_none()
    usable = account is not None and account.is_active and account.deleted_at is None
    matches, upgraded_hash = await runtime.hasher.verify(password, account.password_hash if usable else None)
    if not matches or account is None:
        raise InvalidCredentials()
    if upgraded_hash is not None:
        account.password_hash = upgraded_hash
    account.last_sign_in_at = datetime.now(UTC)
    # The right password gives the account its attempts back: what it limits is failures.
    await runtime.limiter.clear(FAILURES_PER_ACCOUNT, username)
    return account


async def change_own_password(
    session: AsyncSession, runtime: AccountsRuntime, user_id: int, current: str, new: str, address: str
) -> sessions.TokenPair:
    """A staff member's new password. A wrong current one counts as a failed sign-in (so this cannot be used to
    guess it around the sign-in limit); on success every session ends and this one continues with a new pair."""
    account = await session.get_one(UserAccount, user_id)
    username = account.username or ""
    # Counted before the check, as at sign-in, so that guesses sent at once cannot pass the budget.
    await runtime.limiter.hit(ATTEMPTS_PER_ADDRESS, address)
    await runtime.limiter.hit(FAILURES_PER_ACCOUNT, username)
    matches, _ = await runtime.hasher.verify(current, account.password_hash)
    if not matches:
        raise WrongPassword("the current password is wrong; the password is unchanged")
    # The right current password gives the account its attempts back, as a sign-in does: a new password refused
    # by the rules below is not a guess.
    await runtime.limiter.clear(FAILURES_PER_ACCOUNT, username)
    check_new_password(new, username, field="new_password")
    if new == current:
        raise ValidationFailed(
            "the new password is the current one",
            errors=[{"loc": ["body", "new_password"], "msg": "same as the current one", "type": "password_unchanged"}],
        )
    account.password_hash = await runtime.hasher.hash(new)
    account.updated_at = datetime.now(UTC)
    await sessions.revoke_all_for(session, user_id)
    audit.record(session, actor_id=user_id, action="user.password", object_type="user", object_id=user_id)
    return await sessions.start(session, runtime.tokens, user_id)


async def create_staff(
    session: AsyncSession,
    hasher: PasswordHasher,
    *,
    username: str,
    password: str,
    role: str,
    districts: Iterable[str] = (),
    display_name: str | None = None,
    actor_id: int | None = None,
) -> UserAccount:
    """A new staff account; `actor_id` is the admin who made it (None: from the command line)."""
    username = normalize_username(username)
    if not USERNAME.fullmatch(username):
        raise ValidationFailed(
            "a username has 3–64 characters (a-z, 0-9, '.', '_', '-'), starting with a letter or digit",
            errors=[{"loc": ["body", "username"], "msg": "not a valid username", "type": "invalid_username"}],
        )
    check_new_password(password, username)
    grants = await checked_grants(session, role, districts)
    if (await session.execute(select(UserAccount.id).where(UserAccount.username == username))).first():
        raise UsernameTaken(f"the username {username} is taken")
    now = datetime.now(UTC)
    account = UserAccount(
        role=role,
        username=username,
        password_hash=await hasher.hash(password),
        display_name=display_name,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    await session.flush()
    session.add_all(DistrictGrant(user_id=account.id, district_code=code, granted_at=now) for code in grants)
    audit.record(
        session,
        actor_id=actor_id,
        action="user.create",
        object_type="user",
        object_id=account.id,
        details={"username": username, "role": role, "districts": grants},
    )
    await session.flush()
    return account


async def checked_grants(session: AsyncSession, role: str, districts: Iterable[str]) -> list[str]:
    """The district grants a staff role may hold: operators need at least one, other roles none."""
    if role not in STAFF_ROLES:
        raise ValidationFailed(
            f"a staff role is one of {', '.join(STAFF_ROLES)}",
            errors=[{"loc": ["body", "role"], "msg": "not a staff role", "type": "invalid_role"}],
        )
    codes = sorted(set(districts))
    if role == "operator" and not codes:
        raise ValidationFailed(
            "an operator needs at least one district grant",
            errors=[{"loc": ["body", "districts"], "msg": "no district", "type": "districts_required"}],
        )
    if role != "operator" and codes:
        raise ValidationFailed(
            "only operators hold district grants",
            errors=[{"loc": ["body", "districts"], "msg": "not for this role", "type": "districts_not_allowed"}],
        )
    known = set((await session.execute(select(District.code).where(District.code.in_(codes)))).scalars())
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationFailed(
            f"unknown district code {', '.join(unknown)}",
            errors=[{"loc": ["body", "districts"], "msg": "unknown district", "type": "unknown_district"}],
        )
    return codes
