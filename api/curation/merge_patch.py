"""JSON Merge Patch (RFC 7396): how operators edit a listing. The patch names only what changes; `null` removes a
value; an object is merged key by key; anything else (a list included) replaces the value whole.

The body is read here rather than by FastAPI, which would take any JSON media type: a merge patch means
"unchanged unless named", a plain JSON body would be read as the whole resource, so the media type is required.
"""

import copy
import json
from typing import Any

from fastapi import Request
from pydantic import BaseModel

from api.errors import AppError, ValidationFailed

MERGE_PATCH = "application/merge-patch+json"


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported_media_type", "The request body is not of a media type this accepts"


def merge_patch(target: dict, patch: dict) -> dict:
    """`target` with `patch` applied (neither is changed): RFC 7396's MergePatch for an object patch."""
    result = copy.deepcopy(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            result[key] = merge_patch(current if isinstance(current, dict) else {}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _refuse_constant(name: str) -> float:
    # NaN and Infinity are not JSON (RFC 8259); Python's reader takes them, PostgreSQL's JSON would refuse them.
    raise ValueError(f"{name} is not a JSON number")


async def read_merge_patch(request: Request) -> dict[str, Any]:
    """The request's merge-patch document: 415 unless it is sent as `application/merge-patch+json`, 422 unless it is
    one JSON object."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != MERGE_PATCH:
        raise UnsupportedMediaType(
            f"send the changes as {MERGE_PATCH} (RFC 7396): only the fields that change, null to clear one"
        )
    raw = await request.body()
    try:
        document = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ValidationFailed(
            "the body is not JSON",
            errors=[{"loc": ["body"], "msg": "not a JSON document", "type": "json_invalid"}],
        ) from exc
    if not isinstance(document, dict):
        raise ValidationFailed(
            "a merge patch of a listing is a JSON object of the fields that change",
            errors=[{"loc": ["body"], "msg": "not a JSON object", "type": "object_type"}],
        )
    return document


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        reference = schema.get("$ref", "")
        if reference.startswith("#/$defs/"):
            return _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def merge_patch_request_body(model: type[BaseModel], example: dict[str, Any] | None = None) -> dict[str, Any]:
    """`openapi_extra` documenting a merge-patch request body with the fields of `model` (whose nested models must
    not be recursive: the schema is written out whole, as FastAPI would not add it to the document's components)."""
    schema = model.model_json_schema()
    media: dict[str, Any] = {"schema": _inlined(schema, schema.get("$defs", {}))}
    if example is not None:
        media["example"] = example
    return {
        "requestBody": {
            "required": True,
            "description": "The fields that change (RFC 7396): a field left out stays as it is, `null` clears it, "
            "an object (`attributes`, `location`) is merged key by key, a list is replaced whole.",
            "content": {MERGE_PATCH: media},
        }
    }
