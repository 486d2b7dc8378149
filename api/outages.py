"""Failures that mean "a store we depend on does not answer" rather than a bug: a 503 with Retry-After.

While PostgreSQL restarts, SQLite's file stays locked past the busy timeout or cannot be opened, or Redis is
down, requests fail in the driver with connection errors. They are answered as `/readyz` answers the same
condition — 503 problem+json with a stable `code` — with `Retry-After`, and nothing needs restarting afterwards: a
connection found dead invalidates its pool (SQLAlchemy) or its slot (api.readers), and the next request connects
anew. Anything else these drivers raise is a bug, and stays a 500.
"""

import asyncio
import socket
import sqlite3
from collections.abc import Iterator

import asyncpg
import redis.exceptions
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from api.errors import DatabaseUnavailable, RateLimitsUnavailable, ServiceUnavailable, problem_response
from api.ratelimit import RateLimiter

logger = structlog.get_logger(__name__)

RETRY_AFTER_SECONDS = 5

# SQLite's primary result codes for a database that is busy, locked, or cannot be opened or read
# (https://sqlite.org/rescode.html); the others (a syntax error, a missing table, a constraint) are bugs.
_SQLITE_UNAVAILABLE = frozenset({3, 5, 6, 10, 14})  # PERM, BUSY, LOCKED, IOERR, CANTOPEN

# What the drivers raise: wrapped by SQLAlchemy in sessions, as they are in the driver-level reads
# (api.readers) and when connecting.
_DRIVER_ERRORS: tuple[type[Exception], ...] = (
    DBAPIError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    sqlite3.Error,
    OSError,
    redis.exceptions.RedisError,
)

_POSTGRES_GONE = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InternalClientError,  # a connection lost while idle (see api.readers)
)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`) and the causes of each: the driver's own error is among them."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend([getattr(current, "orig", None), current.__cause__, current.__context__])


def _database_gone(error: BaseException) -> bool:
    if isinstance(error, DBAPIError):
        return error.connection_invalidated
    if isinstance(error, asyncpg.QueryCanceledError):
        return False  # a statement timeout: the server did answer
    if isinstance(error, _POSTGRES_GONE):
        return True
    if isinstance(error, asyncpg.InterfaceError):
        return "closed" in str(error)  # "connection is closed"; any other is a misuse
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNAVAILABLE
    # Connecting to a server that is down or cannot be reached: refused, reset, no such host, timed out.
    return isinstance(error, ConnectionError | TimeoutError | socket.gaierror)


def outage(error: BaseException) -> ServiceUnavailable | None:
    """The 503 this error stands for, or None when it is not an outage."""
    links = list(_chain(error))
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if any(isinstance(link, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError) for link in links):
        return RateLimitsUnavailable("rate limits cannot be counted just now; try again shortly", headers=retry)
    if any(_database_gone(link) for link in links):
        return DatabaseUnavailable("the database does not answer just now; try again shortly", headers=retry)
    return None


def _without_row_values(error: BaseException) -> None:
    """PostgreSQL's DETAIL quotes the row's values (`Key (phone)=(…) already exists`, `Failing row contains (…)`)
    and asyncpg puts it in the error's text: dropped before the error is logged, as the engines hide the bound
    values (api.db), so that no resident's phone number reaches the logs."""
    for link in _chain(error):
        if isinstance(link, asyncpg.PostgresError):
            link.detail = None


async def _outage_or_unexpected(request: Request, exc: Exception) -> JSONResponse:
    _without_row_values(exc)
    answer = outage(exc)
    if answer is None:
        raise exc  # not an outage: the 500 of any unexpected error (api.errors), logged there
    logger.warning("outage", code=answer.code, path=request.url.path, error=repr(exc))
    return problem_response(
        answer.status, answer.code, answer.title, answer.detail, instance=request.url.path, headers=answer.headers
    )


def install_outage_handlers(app: FastAPI) -> None:
    """Driver errors are looked at here: an outage is a 503, any other goes on to be the 500 of an unexpected
    error."""
    for error_type in _DRIVER_ERRORS:
        app.add_exception_handler(error_type, _outage_or_unexpected)


async def rate_limits_answer(limiter: RateLimiter, timeout_seconds: float = 2.0) -> bool:
    """Whether the rate-limit counters can be reached: with Redis down every sign-in fails, so the service is not
    ready even though the database answers. (Counters in process memory always can.)"""
    try:
        return await asyncio.wait_for(limiter.storage.check(), timeout_seconds)
    except TimeoutError:
        return False
