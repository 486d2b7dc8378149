"""Every console route against a written policy: which roles it serves; the others are refused (403), and without a
session the browser is sent to sign in. A route missing here fails, so no page ships without that decision.

Sessions are made by the service directly (no sign-in form), each request carrying its session's CSRF token.
"""

import httpx
import pytest

from api.accounts import console_sessions
from api.console.auth import SESSION_COOKIE
from tests.accounts.test_policy import app_routes
from tests.console.conftest import ConsoleServer

ALLOW, SIGN_IN, REFUSED = "allow", "sign-in", 403
ROLES = ("anonymous", "operator", "reviewer", "admin")
OPEN = dict.fromkeys(ROLES, ALLOW)
EVERY_STAFF = {"anonymous": SIGN_IN, "operator": ALLOW, "reviewer": ALLOW, "admin": ALLOW}
FEEDBACK_TEAM = {"anonymous": SIGN_IN, "operator": REFUSED, "reviewer": ALLOW, "admin": ALLOW}
OPERATORS = {"anonymous": SIGN_IN, "operator": ALLOW, "reviewer": REFUSED, "admin": ALLOW}
ADMINS = {"anonymous": SIGN_IN, "operator": REFUSED, "reviewer": REFUSED, "admin": ALLOW}

CONSOLE_POLICY: dict[str, dict[str, object]] = {
    "GET /console/login": OPEN,
    "POST /console/login": OPEN,
    "GET /console/language/{language}": OPEN,
    "GET /console": EVERY_STAFF,
    "POST /console/logout": EVERY_STAFF,
    # The feedback team's pages
    "GET /console/feedback": FEEDBACK_TEAM,
    "GET /console/feedback/dashboard": FEEDBACK_TEAM,
    "GET /console/feedback/{feedback_id}": FEEDBACK_TEAM,
    "GET /console/feedback/{feedback_id}/photos/{photo_id}": FEEDBACK_TEAM,
    "POST /console/feedback/{feedback_id}/assign": FEEDBACK_TEAM,
    "POST /console/feedback/{feedback_id}/transition": FEEDBACK_TEAM,
    "POST /console/feedback/{feedback_id}/reply": FEEDBACK_TEAM,
    "POST /console/feedback/{feedback_id}/note": FEEDBACK_TEAM,
    "GET /console/feedback/templates": FEEDBACK_TEAM,
    "POST /console/feedback/templates": FEEDBACK_TEAM,
    "GET /console/feedback/templates/{template_id}": FEEDBACK_TEAM,
    "POST /console/feedback/templates/{template_id}": FEEDBACK_TEAM,
    "POST /console/feedback/templates/{template_id}/delete": FEEDBACK_TEAM,
    # Reviewers only, as the API's PhoneRevealer: not even admins.
    "POST /console/feedback/{feedback_id}/reveal-phone": {
        "anonymous": SIGN_IN,
        "operator": REFUSED,
        "reviewer": ALLOW,
        "admin": REFUSED,
    },
    # District operators' listings
    "GET /console/listings": OPERATORS,
    "GET /console/listings/export": OPERATORS,
    "GET /console/listings/new": OPERATORS,
    "POST /console/listings/new": OPERATORS,
    "GET /console/listings/{place_id}": OPERATORS,
    "POST /console/listings/{place_id}": OPERATORS,
    "POST /console/listings/{place_id}/publish": OPERATORS,
    "POST /console/listings/{place_id}/archive": OPERATORS,
    "POST /console/listings/{place_id}/restore": OPERATORS,
    "POST /console/listings/{place_id}/verify": OPERATORS,
    "POST /console/listings/{place_id}/availability": OPERATORS,
    "GET /console/listings/{place_id}/history": OPERATORS,
    "POST /console/listings/{place_id}/revert": OPERATORS,
    # Admins: users and their district grants, feed keys, the audit log.
    "GET /console/admin/users": ADMINS,
    "GET /console/admin/users/new": ADMINS,
    "POST /console/admin/users/new": ADMINS,
    "GET /console/admin/users/{user_id}": ADMINS,
    "POST /console/admin/users/{user_id}/access": ADMINS,
    "POST /console/admin/users/{user_id}/status": ADMINS,
    "GET /console/admin/keys": ADMINS,
    "GET /console/admin/keys/new": ADMINS,
    "POST /console/admin/keys/new": ADMINS,
    "GET /console/admin/keys/{key_id}/revoke": ADMINS,
    "POST /console/admin/keys/{key_id}/revoke": ADMINS,
    "GET /console/admin/audit": ADMINS,
    # Operations: imports, residents' corrections, events
    "GET /console/imports": OPERATORS,
    "POST /console/imports": OPERATORS,
    "GET /console/imports/{job_id}": OPERATORS,
    "GET /console/imports/{job_id}/state": OPERATORS,
    "POST /console/imports/{job_id}/apply": OPERATORS,
    "GET /console/corrections": OPERATORS,
    "POST /console/corrections/{feedback_id}/apply": OPERATORS,
    "POST /console/corrections/{feedback_id}/decline": OPERATORS,
    "GET /console/events": OPERATORS,
    "POST /console/events": OPERATORS,
    "GET /console/events/new": OPERATORS,
    "GET /console/events/{event_id}": OPERATORS,
    "POST /console/events/{event_id}": OPERATORS,
    "POST /console/events/{event_id}/status/{transition}": OPERATORS,
}
SIGN_OUT = "POST /console/logout"
# What the path parameters are filled with: ids that exist or not, the answer is only checked for the role.
PATH_VALUES = {"language": "en", "user_id": "999999", "key_id": "999999", "transition": "publish"}


def console_routes(app) -> set[str]:  # noqa: ANN001
    return {f"{method} {path}" for method, path in app_routes(app) if path.startswith("/console")}


def test_every_console_route_has_a_policy(app) -> None:  # noqa: ANN001
    routes = console_routes(app) - {"GET /console/static"}
    assert routes - CONSOLE_POLICY.keys() == set(), "new console routes need a line in CONSOLE_POLICY"
    assert CONSOLE_POLICY.keys() - routes == set(), "CONSOLE_POLICY names routes that no longer exist"


@pytest.fixture(scope="module")
async def role_cookies(console_server: ConsoleServer, console_database, staff_logins) -> dict[str, dict]:  # noqa: ANN001
    key = console_server.settings.jwt_secret
    sessions: dict[str, dict] = {"anonymous": {"cookies": {}, "headers": {}}}
    async with console_database.sessionmaker() as session, session.begin():
        for role in ("operator", "reviewer", "admin"):
            started = await console_sessions.start(session, key, staff_logins[role].user_id)
            sessions[role] = {
                "cookies": {SESSION_COOKIE: started.secret},
                "headers": {"X-CSRF-Token": started.csrf_token},
            }
    return sessions


async def test_each_role_gets_what_the_console_policy_says(
    console_server: ConsoleServer, role_cookies: dict[str, dict]
) -> None:
    wrong: list[str] = []
    # Signing out ends the session the other lines use: it goes last.
    for line, expected in sorted(CONSOLE_POLICY.items(), key=lambda item: (item[0] == SIGN_OUT, item[0])):
        method, path = line.split(" ", 1)
        url = path.format(**{name: PATH_VALUES.get(name, "1") for name in PATH_VALUES | _names(path)})
        for role in ROLES:
            async with httpx.AsyncClient(
                base_url=console_server.base_url, cookies=role_cookies[role]["cookies"], timeout=30
            ) as client:
                answer = await client.request(method, url, headers=role_cookies[role]["headers"])
            got = _outcome(answer)
            if (
                expected[role] == ALLOW
                and got in (SIGN_IN, REFUSED)
                or expected[role] != ALLOW
                and got != expected[role]
            ):
                wrong.append(f"{line} as {role}: {got} ({answer.status_code}), policy says {expected[role]}")
    assert not wrong, "\n".join(wrong)


def _names(path: str) -> dict[str, str]:
    return {part[1:-1]: "1" for part in path.split("/") if part.startswith("{")}


def _outcome(answer: httpx.Response) -> object:
    if "notice=signed_out" in answer.headers.get("location", ""):
        return ALLOW
    if answer.status_code == 303 and answer.headers["location"].startswith("/console/login"):
        return SIGN_IN
    if answer.status_code == 204 and answer.headers.get("HX-Redirect", "").startswith("/console/login"):
        return SIGN_IN
    if answer.status_code == 403 and "role_refused" in answer.text:
        return REFUSED
    return ALLOW
