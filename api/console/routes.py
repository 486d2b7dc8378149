"""Signing in and out, the language, and the start page; `install` puts the whole console on the app."""

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from api.accounts import console_sessions, staff
from api.accounts.runtime import AccountsDep, client_address
from api.console.admin import routes as admin_routes
from api.console.auth import SESSION_COOKIE, SIGN_IN_COOKIE, ConsoleStaff, set_cookie, signing_key
from api.console.corrections import routes as corrections_routes
from api.console.events import routes as events_routes
from api.console.feedback import routes as feedback_routes
from api.console.forms import GENERAL, field_errors
from api.console.i18n import LANGUAGE_COOKIE, LANGUAGES, N_, text
from api.console.imports import routes as imports_routes
from api.console.listings import routes as listings_routes
from api.console.pages import problem_page
from api.console.rendering import STATIC_DIR, STATIC_PREFIX, redirect, render, safe_next
from api.console.security import CONSOLE_PREFIX, ConsoleSecurityHeaders
from api.db import SessionDep, attempt
from api.errors import ProblemPage

router = APIRouter(prefix=CONSOLE_PREFIX, include_in_schema=False)

SIGN_IN_PURPOSE = "sign-in"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _sign_in_page(
    request: Request, secret: str, *, next_path: str, username: str = "", errors=None, status=200, headers=None
):  # noqa: ANN001, ANN202
    token = console_sessions.csrf_token_for(signing_key(request), SIGN_IN_PURPOSE, secret)
    response = render(
        request,
        "sign_in.html",
        {"csrf_token": token, "next_path": next_path, "username": username, "errors": errors or {}},
        status=status,
        headers=headers,
    )
    set_cookie(response, request, SIGN_IN_COOKIE, secret)
    return response


@router.get("/login")
async def sign_in_form(request: Request, next: str | None = None) -> Response:  # noqa: A002  (the query's name)
    secret = request.cookies.get(SIGN_IN_COOKIE) or console_sessions.new_secret()
    return _sign_in_page(request, secret, next_path=safe_next(next))


@router.post("/login")
async def sign_in(
    request: Request,
    session: SessionDep,
    runtime: AccountsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form(max_length=2048)] = "",  # noqa: A002
) -> Response:
    secret = request.cookies.get(SIGN_IN_COOKIE)
    next_path = safe_next(next)
    if not console_sessions.csrf_matches(signing_key(request), SIGN_IN_PURPOSE, secret, csrf_token):
        # A sign-in form from elsewhere, or one whose cookie has gone: a fresh form, nothing tried.
        fresh = console_sessions.new_secret()
        errors = {GENERAL: [text(request, N_("The form had expired; try again."))]}
        return _sign_in_page(request, fresh, next_path=next_path, username=username, errors=errors, status=403)
    account, error = await attempt(
        session, staff.sign_in(session, runtime, username, password, client_address(request))
    )
    if error is not None or account is None:
        retry = {"Retry-After": error.headers["Retry-After"]} if error and "Retry-After" in error.headers else None
        return _sign_in_page(
            request,
            secret or console_sessions.new_secret(),
            next_path=next_path,
            username=username,
            errors=field_errors(request, error) if error else {},
            status=error.status if error else 401,
            headers=retry,
        )
    # A new sign-in in this browser ends the session it held (another account's, or an older one of this one).
    if earlier := request.cookies.get(SESSION_COOKIE):
        await console_sessions.end(session, earlier)
    started = await console_sessions.start(session, signing_key(request), account.id)
    response = redirect(request, next_path)
    set_cookie(response, request, SESSION_COOKIE, started.secret)
    response.delete_cookie(SIGN_IN_COOKIE, path=CONSOLE_PREFIX)
    return response


@router.post("/logout")
async def sign_out(request: Request, _: ConsoleStaff, session: SessionDep) -> Response:
    await console_sessions.end(session, request.cookies[SESSION_COOKIE])
    response = redirect(request, "/console/login", notice="signed_out")
    response.delete_cookie(SESSION_COOKIE, path=CONSOLE_PREFIX)
    return response


@router.get("/language/{language}")
async def choose_language(request: Request, language: str, next: str | None = None) -> Response:  # noqa: A002
    response = redirect(request, safe_next(next))
    if language in LANGUAGES:
        set_cookie(response, request, LANGUAGE_COOKIE, language, samesite="lax", max_age=LANGUAGE_COOKIE_SECONDS)
    return response


@router.get("")
async def start_page(request: Request, _: ConsoleStaff) -> Response:
    return render(request, "start.html")


ROUTERS: list[APIRouter] = [
    router,
    feedback_routes.router,
    listings_routes.router,
    imports_routes.router,
    corrections_routes.router,
    events_routes.router,
    admin_routes.router,
]


def install(app: FastAPI) -> tuple[str, ProblemPage]:
    """Put the console on the app: its routes, its static files and its headers; answers the error page to give
    the one error handler for its paths."""
    app.add_middleware(ConsoleSecurityHeaders)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="console-static")
    for console_router in ROUTERS:
        app.include_router(console_router)
    return CONSOLE_PREFIX, problem_page
