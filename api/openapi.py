"""The OpenAPI document, with the errors as they are sent: every error answer is problem+json.

FastAPI documents a 422 as `application/json` with its own `HTTPValidationError` shape, and no other error at
all; a client generated from that document would expect neither the media type nor the body it gets.
"""

from typing import Any

from fastapi import FastAPI

from api.errors import PROBLEM_JSON, Problem

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def _problem_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}


def document_problems(app: FastAPI) -> None:
    """Make `app.openapi()` describe each operation's errors (the 422, those a route names, any other) as
    problem+json."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, answer in responses.items():
                    if status[0] in "45":
                        answer["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
                if "422" in responses:
                    responses["422"]["description"] = "The request is not valid (`validation_failed`, with `errors`)"
                responses["default"] = _problem_answer("Any other error, with a stable `code`")
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        for name in _FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
        schemas["Problem"] = Problem.model_json_schema()
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
