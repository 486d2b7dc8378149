"""Who is using the console: the session cookie, the CSRF token every changing request carries, and the roles.

Only this cookie opens the console: an API bearer token (a resident's or a staff member's) is never read here.
What a role may not do is refused here (403) and left out of the navigation by the same role sets.
"""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request, Response

from api.accounts import console_sessions, users
from api.console.security import CONSOLE_PREFIX
from api.db import SessionDep
from api.deps import Principal, load_principal
from api.errors import Forbidden, Unauthorized
from models import STAFF_ROLES

SESSION_COOKIE = "svcdir_console"
# Before sign-in there is no session to bind the sign-in form's CSRF token to: this cookie holds a secret for it.
SIGN_IN_COOKIE = "svcdir_console_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

FEEDBACK_TEAM = ("reviewer", "admin")
OPERATORS = ("operator", "admin")
ADMINS = ("admin",)
EVERY_STAFF_ROLE = STAFF_ROLES


class SignInRequired(Unauthorized):
    code, title = "console_sign_in_required", "Sign in to the console"


class CsrfRefused(Forbidden):
    code, title = "csrf_failed", "The form has expired or did not come from this console"


class RoleRefused(Forbidden):
    code, title = "role_refused", "Your role does not allow this"


@dataclass(frozen=True)
class ConsoleUser:
    principal: Principal
    username: str
    display_name: str | None
    csrf_token: str

    @property
    def role(self) -> str:
        return self.principal.role

    def may(self, roles: tuple[str, ...]) -> bool:
        return self.principal.role in roles


def set_cookie(
    response: Response,
    request: Request,
    name: str,
    value: str,
    *,
    path: str = CONSOLE_PREFIX,
    samesite: Literal["strict", "lax"] = "strict",
    max_age: int | None = None,
) -> None:
    """Every cookie of the console: never readable by scripts, Secure where the console is served over HTTPS."""
    secure = request.app.state.settings.app_env in ("production", "demo")
    response.set_cookie(name, value, max_age=max_age, path=path, secure=secure, httponly=True, samesite=samesite)


def signing_key(request: Request) -> str:
    return request.app.state.settings.jwt_secret


async def presented_csrf_token(request: Request) -> str | None:
    """The token of a changing request: htmx sends it as a header, a plain form as a field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def console_user(request: Request, session: SessionDep) -> ConsoleUser:
    secret = request.cookies.get(SESSION_COOKIE)
    resumed = await console_sessions.resume(session, signing_key(request), secret) if secret else None
    if resumed is None:
        raise SignInRequired("sign in to the console first")
    principal = await load_principal(session, resumed.user_id)
    if principal is None or principal.role not in EVERY_STAFF_ROLE:
        raise SignInRequired("this account may not use the console")
    if request.method not in SAFE_METHODS:
        presented = await presented_csrf_token(request)
        if not console_sessions.csrf_matches(signing_key(request), "session", secret, presented):
            raise CsrfRefused("the request carried no valid CSRF token; reload the page and try again")
    account = await users.get_account(session, principal.user_id)
    user = ConsoleUser(principal, account.username or "", account.display_name, resumed.csrf_token)
    request.state.console_user = user
    return user


def role_required(*roles: str):  # noqa: ANN201  (a FastAPI dependency callable)
    async def of_role(user: Annotated[ConsoleUser, Depends(console_user)]) -> ConsoleUser:
        if not user.may(roles):
            raise RoleRefused("your role does not allow this page")
        return user

    return of_role


ConsoleStaff = Annotated[ConsoleUser, Depends(console_user)]
ConsoleReviewer = Annotated[ConsoleUser, Depends(role_required(*FEEDBACK_TEAM))]
ConsoleOperator = Annotated[ConsoleUser, Depends(role_required(*OPERATORS))]
ConsoleAdmin = Annotated[ConsoleUser, Depends(role_required(*ADMINS))]
