"""One error hierarchy, rendered by one handler as RFC 9457 problem+json with a stable `code`."""

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://svcdir.sh.cn/problems/"

logger = structlog.get_logger(__name__)


class AppError(Exception):
    status: int = 500
    code: str = "internal_error"
    title: str = "Internal server error"
    # Most errors undo the request's writes. A few must keep them while still answering an error: a wrong
    # sign-in code counts against its challenge, a replayed refresh token revokes its family.
    keeps_changes: bool = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}


class BadRequest(AppError):
    status, code, title = 400, "bad_request", "Bad request"


class InvalidCursor(BadRequest):
    code, title = "invalid_cursor", "The cursor is not valid for this list"


class Unauthorized(AppError):
    status, code, title = 401, "unauthorized", "Sign-in required"


class Forbidden(AppError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(AppError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AppError):
    status, code, title = 409, "conflict", "Conflict"


class PreconditionFailed(AppError):
    status, code, title = 412, "precondition_failed", "The resource has changed"


class PreconditionRequired(AppError):
    status, code, title = 428, "precondition_required", "If-Match is required"


class TooManyRequests(AppError):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after_seconds))})


class ValidationFailed(AppError):
    status, code, title = 422, "validation_failed", "The request is not valid"


class SpreadsheetError(AppError):
    """A file offered as a spreadsheet (CSV or XLSX) that cannot be taken as one; `detail` says why."""

    status, code, title = 422, "unreadable_file", "The file cannot be read"


class UnreadableFile(SpreadsheetError):
    pass


class UnsupportedFileType(SpreadsheetError):
    status, code, title = 415, "unsupported_file_type", "Only CSV and XLSX files are accepted"


class FileTooLarge(SpreadsheetError):
    status, code, title = 413, "file_too_large", "The file is too large"


class ServiceUnavailable(AppError):
    status, code, title = 503, "service_unavailable", "Service unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    code, title = "database_unavailable", "The database does not answer"


class RateLimitsUnavailable(ServiceUnavailable):
    code, title = "rate_limits_unavailable", "The rate-limit store (Redis) does not answer"


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class Problem(BaseModel):
    """An error answer (RFC 9457), as documented in the OpenAPI document."""

    type: str = Field(examples=[PROBLEM_TYPE_BASE + "not_found"])
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable and machine-readable: `not_found`, `validation_failed`, …")
    instance: str | None = Field(default=None, description="The path asked for.")
    errors: list[dict[str, Any]] | None = Field(default=None, description="Each bad field: `loc`, `msg`, `type`.")


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        # A problem may repeat the client's own text (a field name in `errors`), and JSON lets a client send a lone
        # surrogate ("\ud800"), which has no UTF-8 form: it goes back as "?" rather than failing the answer.
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode("utf-8", errors="replace")


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> ProblemResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return ProblemResponse(body, status_code=status, headers=headers)


def validation_problem(instance: str, errors: list[dict[str, Any]]) -> ProblemResponse:
    """The 422 of parameters or a body that are not valid, each bad field named in `errors`."""
    return problem_response(
        422,
        ValidationFailed.code,
        ValidationFailed.title,
        "One or more parameters are not valid; see `errors`.",
        instance=instance,
        errors=errors,
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": [str(part) for part in error.get("loc", ())], "msg": error.get("msg"), "type": error.get("type")}
        for error in exc.errors()
    ]


@dataclass(frozen=True)
class ProblemFacts:
    """What the one handler knows of an error, for a page that renders it in its own way (the staff console's HTML)."""

    status: int
    code: str
    title: str
    detail: str
    errors: list[dict[str, Any]] | None = None
    headers: dict[str, str] | None = None


ProblemPage = Callable[[Request, ProblemFacts], Awaitable[Response]]


def install_error_handlers(app: FastAPI, pages: Sequence[tuple[str, ProblemPage]] = ()) -> None:
    """Every error of the app answers here: problem+json, or under a path prefix of `pages` the page it renders."""

    async def answer(request: Request, facts: ProblemFacts) -> Response:
        for prefix, page in pages:
            if request.url.path == prefix or request.url.path.startswith(prefix + "/"):
                return await page(request, facts)
        return problem_response(
            facts.status,
            facts.code,
            facts.title,
            facts.detail,
            instance=request.url.path,
            errors=facts.errors,
            headers=facts.headers,
        )

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return await answer(request, ProblemFacts(exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers))

    @app.exception_handler(RequestValidationError)
    async def _request_validation(request: Request, exc: RequestValidationError) -> Response:
        facts = ProblemFacts(
            422,
            ValidationFailed.code,
            ValidationFailed.title,
            "One or more parameters are not valid; see `errors`.",
            _validation_errors(exc),
        )
        return await answer(request, facts)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = HTTPStatus(exc.status_code).phrase
        code = _STATUS_CODES.get(exc.status_code, "http_" + str(exc.status_code))
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else title
        return await answer(
            request, ProblemFacts(exc.status_code, code, title, detail, None, getattr(exc, "headers", None))
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        logger.exception("unhandled_error", path=request.url.path)
        return await answer(
            request, ProblemFacts(500, "internal_error", "Internal server error", "Internal server error")
        )
