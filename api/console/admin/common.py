"""What the admins' pages share: the API's own body rules applied to a form, the reason every change needs, and
the names of districts and categories (read through the directory's face)."""

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from api.console.forms import validated
from api.console.i18n import language_of
from api.db import SessionDep
from api.directory import service as directory
from api.errors import AppError, ValidationFailed

BodyT = TypeVar("BodyT", bound=BaseModel)


def checked_body(schema: type[BodyT], values: dict[str, Any]) -> tuple[BodyT | None, AppError | None]:
    """The form's values read by the API's body schema, or its refusal, for pages that show it beside the form."""
    try:
        return validated(schema, values), None
    except ValidationFailed as error:
        return None, error


def reason_error(field: str, reason: str) -> AppError | None:
    """The console asks a reason for every change of an account (the API leaves it optional)."""
    if reason.strip():
        return None
    return ValidationFailed(
        "a reason is required",
        errors=[
            {
                "loc": ["body", field],
                "msg": "Say why: the reason is kept in the audit trail.",
                "type": "reason_required",
            }
        ],
    )


async def district_names(request: Request, session: SessionDep) -> dict[str, str]:
    """Every district's name in the reader's language, by code, in the directory's order."""
    return {d.code: d.name for d in await directory.districts(session, language_of(request))}


async def live_category_names(request: Request, session: SessionDep) -> dict[str, str]:
    """The names of the categories a feed key may be scoped to, by code."""
    return {c.code: c.name for c in await directory.live_figure_categories(session, language_of(request))}
