"""Checks on a request as it arrives, before any route reads it.

Request bodies have a size limit, per path: small for JSON, larger for photo uploads. A body announced as too
large is refused before anything is read; one that grows too large while it streams (no Content-Length) is cut
off where it passes the limit. Both answer 413 problem+json.

No query parameter may hold the NUL character (JSON bodies are checked by `api.http.RequestBody`).
"""

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import AppError, problem_response, validation_problem


class PayloadTooLarge(AppError):
    status, code, title = 413, "payload_too_large", "The request body is too large"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, default_bytes: int, per_path: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.default_bytes = default_bytes
        self.per_path = [(re.compile(pattern), limit) for pattern, limit in per_path]

    def _limit_for(self, path: str) -> int:
        return next((limit for pattern, limit in self.per_path if pattern.fullmatch(path)), self.default_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException, because FastAPI turns anything else raised while reading a body into 400.
                    raise HTTPException(413, f"the body may be at most {limit} bytes here")
            return message

        await self.app(scope, limited_receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = problem_response(
        413,
        PayloadTooLarge.code,
        PayloadTooLarge.title,
        f"the body may be at most {limit} bytes here",
        instance=scope["path"],
        # The unread body is still on the wire: the connection cannot carry another request.
        headers={"connection": "close"},
    )
    await response(scope, receive, send)


def _parameters_holding_nul(query_string: bytes) -> list[str]:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return list(dict.fromkeys(name for name, value in pairs if "\x00" in name + value))


class QueryTextMiddleware:
    """A NUL character (`%00`) in a query parameter is a 422: PostgreSQL's text cannot hold one, so a filter or a
    search word holding it would fail the statement (SQLite's would only match nothing)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A NUL can only arrive percent-encoded: the request line cannot carry the byte itself.
        if scope["type"] == "http" and b"%00" in scope["query_string"]:
            errors = [
                {"loc": ["query", name], "msg": "may not hold the NUL character", "type": "nul"}
                for name in _parameters_holding_nul(scope["query_string"])
            ]
            await validation_problem(scope["path"], errors)(scope, receive, send)
            return
        await self.app(scope, receive, send)
