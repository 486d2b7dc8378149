"""Accounts as admins manage them (roles, grants, disabling) and as residents own them (profile, deletion)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit, race_hooks
from api.accounts import otp, sessions
from api.accounts.phones import mask_phone, normalize_phone
from api.accounts.runtime import AccountsRuntime
from api.accounts.staff import checked_grants, normalize_username
from api.db import get_or_404
from api.errors import Conflict, ValidationFailed
from api.feedback import service as feedback_service
from api.pagination import rows_by_id
from models import DistrictGrant, OtpChallenge, UserAccount


class LastAdmin(Conflict):
    code, title = "last_admin", "The last active admin cannot be removed"


@dataclass(frozen=True)
class AccountChange:
    role: str | None = None
    districts: list[str] | None = None
    active: bool | None = None
    reason: str | None = None


async def districts_of(session: AsyncSession, user_ids: list[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        select(DistrictGrant.user_id, DistrictGrant.district_code)
        .where(DistrictGrant.user_id.in_(user_ids))
        .order_by(DistrictGrant.district_code)
    )
    grants: dict[int, list[str]] = {user_id: [] for user_id in user_ids}
    for user_id, code in rows:
        grants[user_id].append(code)
    return grants


async def usernames_of(session: AsyncSession, user_ids: list[int]) -> dict[int, str | None]:
    """The usernames of these accounts (None for a resident, who has none); ids of no account are left out."""
    rows = await session.execute(select(UserAccount.id, UserAccount.username).where(UserAccount.id.in_(user_ids)))
    return {user_id: username for user_id, username in rows}


async def staff_id_by_username(session: AsyncSession, raw_username: str) -> int | None:
    """The id of the staff account with this username (as typed at sign-in), or None."""
    username = normalize_username(raw_username)
    return await session.scalar(select(UserAccount.id).where(UserAccount.username == username))


async def get_account(session: AsyncSession, user_id: int) -> UserAccount:
    return await get_or_404(session, UserAccount, user_id, "user")


async def list_accounts(
    session: AsyncSession, *, role: str | None, active: bool | None, q: str | None, limit: int, cursor: str | None
) -> tuple[list[UserAccount], str | None]:
    statement = select(UserAccount)
    if role:
        statement = statement.where(UserAccount.role == role)
    if active is not None:
        statement = statement.where(UserAccount.is_active == active)
    if q:
        # Never the phone: a part of a number would let whoever lists accounts confirm guessed digits one query at
        # a time, unrecorded. A whole number is looked up by `find_by_phone`, with a reason, into the audit trail.
        words = q.strip().lower()
        statement = statement.where(
            or_(
                UserAccount.username.contains(words, autoescape=True),
                func.lower(UserAccount.display_name).contains(words, autoescape=True),
            )
        )
    return await rows_by_id(session, statement, UserAccount.id, kind="users", limit=limit, cursor=cursor)


async def feedback_team(session: AsyncSession) -> list[UserAccount]:
    """The active accounts a feedback may be assigned to (reviewers and admins), by name."""
    statement = select(UserAccount).where(UserAccount.role.in_(("reviewer", "admin")), UserAccount.is_active)
    accounts = (await session.scalars(statement.order_by(UserAccount.id))).all()
    return sorted(accounts, key=lambda account: (account.display_name or account.username or "", account.id))


async def find_by_phone(session: AsyncSession, actor_id: int, raw_phone: str, reason: str) -> list[UserAccount]:
    """The account holding exactly this number (none or one), looked up as a reveal is: who, when and why go to the
    audit trail, found or not."""
    phone = normalize_phone(raw_phone)
    if phone is None:
        raise ValidationFailed(
            "give the whole mobile number (11 digits starting with 1, +86 allowed)",
            errors=[{"loc": ["body", "phone"], "msg": "not a whole mobile number", "type": "invalid_phone"}],
        )
    found = list((await session.execute(select(UserAccount).where(UserAccount.phone == phone))).scalars())
    audit.record(
        session,
        actor_id=actor_id,
        action="user.find_by_phone",
        object_type="user",
        object_id=found[0].id if found else "",
        details={"phone": mask_phone(phone), "found": len(found)},
        reason=reason,
    )
    await session.flush()
    return found


async def change_account(session: AsyncSession, actor_id: int, user_id: int, change: AccountChange) -> UserAccount:
    """Apply an admin's change; every changed aspect is written to the audit trail."""
    account = await get_account(session, user_id)
    before = {"role": account.role, "active": account.is_active}
    current_grants = (await districts_of(session, [user_id]))[user_id]
    role = change.role or account.role
    if (account.role == "resident") != (role == "resident"):
        raise ValidationFailed(
            "residents sign in by phone and staff by password: a resident cannot become staff or the reverse",
            errors=[{"loc": ["body", "role"], "msg": "cannot cross resident/staff", "type": "invalid_role"}],
        )
    if role != "resident":
        wanted = change.districts if change.districts is not None else (current_grants if role == "operator" else [])
        grants = await checked_grants(session, role, wanted)
    else:
        grants = []
    stays_admin = role == "admin" and (change.active if change.active is not None else account.is_active)
    if account.role == "admin" and account.is_active and not stays_admin:
        await _refuse_losing_last_admin(session, user_id)
        await race_hooks.after_check("last_admin")

    now = datetime.now(UTC)
    if grants != current_grants:
        await session.execute(delete(DistrictGrant).where(DistrictGrant.user_id == user_id))
        session.add_all(DistrictGrant(user_id=user_id, district_code=code, granted_at=now) for code in grants)
        audit.record(
            session,
            actor_id=actor_id,
            action="user.districts",
            object_type="user",
            object_id=user_id,
            details={"before": current_grants, "after": grants},
            reason=change.reason,
        )
    if role != account.role:
        account.role = role
        audit.record(
            session,
            actor_id=actor_id,
            action="user.role",
            object_type="user",
            object_id=user_id,
            details={"before": before["role"], "after": role},
            reason=change.reason,
        )
    if change.active is not None and change.active != account.is_active:
        account.is_active = change.active
        if not change.active:
            await sessions.revoke_all_for(session, user_id)
        audit.record(
            session,
            actor_id=actor_id,
            action="user.enable" if change.active else "user.disable",
            object_type="user",
            object_id=user_id,
            details={"before": before["active"], "after": change.active},
            reason=change.reason,
        )
    account.updated_at = now
    await session.flush()
    return account


async def _refuse_losing_last_admin(session: AsyncSession, user_id: int) -> None:
    # Every active admin's row is locked (in id order) before they are counted, until the commit: two admins
    # removing each other at the same moment take turns, and the second finds that it would leave none.
    admins = (
        await session.execute(
            select(UserAccount.id)
            .where(UserAccount.role == "admin", UserAccount.is_active)
            .order_by(UserAccount.id)
            .with_for_update(key_share=True)
        )
    ).scalars()
    if not any(admin_id != user_id for admin_id in admins):
        raise LastAdmin("this is the last active admin; make another admin first")


async def erase_resident(
    session: AsyncSession, runtime: AccountsRuntime, secret: str, storage: feedback_service.PhotoStorage, user_id: int
) -> None:
    """A resident leaves: phone, name, sign-in codes, the photos they sent and the rate-limit counters of their
    phone are erased, and every session ends. The account row stays, empty, so that feedback they sent remains
    counted in the statistics without anything that points to them."""
    account = await get_account(session, user_id)
    # Locked before the photos are removed: an upload still holding it commits first, and its photo is removed too.
    await session.execute(select(UserAccount.id).where(UserAccount.id == user_id).with_for_update(key_share=True))
    if account.phone:
        await session.execute(delete(OtpChallenge).where(OtpChallenge.phone == account.phone))
        await otp.forget_limits_of(runtime, secret, account.phone)
    await feedback_service.remove_photos_of_author(session, storage, user_id)
    account.phone = None
    account.display_name = None
    account.is_active = False
    account.deleted_at = account.updated_at = datetime.now(UTC)
    await sessions.revoke_all_for(session, user_id)
    await session.flush()
