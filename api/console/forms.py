"""Forms: a service's refusal turned into messages beside the fields it names, in the reader's language."""

from typing import Any

from fastapi import Request

from api.console.i18n import language_of, problem_text
from api.errors import AppError

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
