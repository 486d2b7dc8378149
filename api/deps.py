"""Who is calling, and what they may do: the dependencies every protected route declares.

No or a bad token → 401 with `WWW-Authenticate: Bearer`; a role that may never do the thing → 403; an object
outside an operator's districts → 404 (checked by `Principal.reaches`), so its existence is not revealed.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.accounts.runtime import AccountsDep
from api.accounts.tokens import InvalidToken
from api.db import AuthSessionDep
from api.errors import Forbidden, NotFound
from models import DistrictGrant, UserAccount

__all__ = [
    "Admin",
    "CurrentUser",
    "Operator",
    "PhoneRevealer",
    "Principal",
    "Resident",
    "Reviewer",
    "Staff",
    "load_principal",
    "role_dependency",
]

_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/otp/verify or /v1/auth/login")


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: str
    districts: frozenset[str]

    def reaches(self, district_code: str | None) -> bool:
        """Whether an object in this district is within the caller's reach (admins reach every district)."""
        if self.role == "admin":
            return True
        return self.role == "operator" and district_code in self.districts

    def require_reach(self, district_code: str | None, what: str) -> None:
        if not self.reaches(district_code):
            raise NotFound(f"there is no {what}")


async def load_principal(session: AsyncSession, user_id: int) -> Principal | None:
    """Who this account is now, or None when it is disabled or gone: read on every request, so that disabling an
    account or changing a role or a grant takes effect at once."""
    account = (
        await session.execute(
            select(UserAccount.role, UserAccount.is_active, UserAccount.deleted_at).where(UserAccount.id == user_id)
        )
    ).first()
    if account is None or not account.is_active or account.deleted_at is not None:
        return None
    districts: frozenset[str] = frozenset()
    if account.role == "operator":
        districts = frozenset(
            (
                await session.execute(select(DistrictGrant.district_code).where(DistrictGrant.user_id == user_id))
            ).scalars()
        )
    return Principal(user_id, account.role, districts)


async def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: AuthSessionDep,
    runtime: AccountsDep,
) -> Principal:
    if credentials is None:
        raise InvalidToken("sign in first: send `Authorization: Bearer <access token>`")
    claims = runtime.tokens.read_access(credentials.credentials)
    principal = await load_principal(session, claims.user_id)
    if principal is None:
        raise InvalidToken("this account is disabled or no longer exists")
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]


def role_dependency(*roles: str):  # noqa: ANN202  (a FastAPI dependency callable)
    async def require_role(principal: CurrentUser) -> Principal:
        if principal.role not in roles:
            raise Forbidden(f"this needs the role {' or '.join(roles)}")
        return principal

    return require_role


Resident = Annotated[Principal, Depends(role_dependency("resident"))]
Operator = Annotated[Principal, Depends(role_dependency("operator", "admin"))]
Reviewer = Annotated[Principal, Depends(role_dependency("reviewer", "admin"))]
Admin = Annotated[Principal, Depends(role_dependency("admin"))]
Staff = Annotated[Principal, Depends(role_dependency("operator", "reviewer", "admin"))]
# Residents' phone numbers are revealed (and looked up) by reviewers only, who answer for it in the audit trail;
# not even admins.
PhoneRevealer = Annotated[Principal, Depends(role_dependency("reviewer"))]
