"""Forms: a service's refusal turned into messages beside the fields it names, in the reader's language."""

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from api.console.i18n import language_of, problem_text
from api.errors import AppError, ValidationFailed

BodyT = TypeVar("BodyT", bound=BaseModel)

GENERAL = "__all__"


def field_errors(request: Request, error: AppError) -> dict[str, list[str]]:
    """Messages by field name (the last part of each error's `loc`); what names no field goes under GENERAL."""
    language = language_of(request)
    messages: dict[str, list[str]] = {}
    for item in error.errors or []:
        location = [str(part) for part in item.get("loc") or []]
        field = location[-1] if len(location) > 1 else GENERAL
        text = problem_text(language, item.get("type"), str(item.get("msg") or error.detail))
        messages.setdefault(field, []).append(text)
    if not messages:
        messages[GENERAL] = [problem_text(language, error.code, error.detail)]
    return messages


def form_values(form: Any) -> dict[str, str]:
    """A submitted form's text fields (files and the CSRF token left out), to show again beside its errors."""
    return {key: value for key, value in form.items() if isinstance(value, str) and key != "csrf_token"}


def validated(schema: type[BodyT], values: dict[str, Any], fields: dict[str, str] | None = None) -> BodyT:
    """A form's values read by the API's own body schema, so that the console accepts what the API accepts; its
    refusal is a ValidationFailed naming the form's fields (`fields` maps the body's names to the form's; a rule of
    the whole body names none and goes above the form)."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        fields = fields or {}
        errors = [
            {
                "loc": ["body", fields.get(str(error["loc"][0]), str(error["loc"][0]))] if error["loc"] else ["body"],
                "msg": error["msg"],
                "type": error["type"],
            }
            for error in exc.errors(include_url=False)
        ]
        raise ValidationFailed("the form is not valid", errors=errors) from exc
