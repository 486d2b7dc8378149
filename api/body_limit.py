"""Request bodies have a size limit, per path: small for JSON, larger for photo uploads.

A body announced as too large is refused before anything is read; one that grows too large while it streams
(no Content-Length) is cut off where it passes the limit. Both answer 413 problem+json.
"""

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import AppError, problem_response


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
