"""JSON Merge Patch (RFC 7396) for staff edits: the body of a `PATCH`, read and applied.

A merge patch names only what changes: a member sets that field, `null` removes it (the field goes back to empty,
or the result is refused when the field is required), and an object is merged into the object already there.
Arrays are replaced whole. The patched result is then validated as a whole by the caller, so nothing is written
when it would not be valid.
"""

import copy
import json
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

from api.errors import AppError, ValidationFailed
from api.http import holds_nul

MERGE_PATCH_JSON = "application/merge-patch+json"


class NotMergePatch(AppError):
    status, code, title = 415, "unsupported_media_type", f"Send the edit as {MERGE_PATCH_JSON}"


def _merged(target: Any, patch: Any) -> Any:
    # RFC 7396 section 2, as written there; what comes from the patch is copied, so that the result shares nothing
    # with it.
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = _merged(result.get(name), value)
    return result


def merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """`target` with `patch` applied (neither is changed)."""
    return _merged(copy.deepcopy(target), patch)


def _refuse_constant(name: str) -> float:
    # NaN and Infinity are not JSON (RFC 8259); Python's reader takes them, PostgreSQL's JSON would refuse them.
    raise ValueError(f"{name} is not a JSON number")


def _invalid(message: str, kind: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"loc": ["body"], "msg": message, "type": kind}])


async def read_merge_patch(request: Request) -> dict[str, Any]:
    """The request's body as a merge patch: 415 for another media type, 422 for what is not a JSON object (or
    holds the NUL character, which PostgreSQL's text cannot keep)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != MERGE_PATCH_JSON:
        raise NotMergePatch(f"this edit takes {MERGE_PATCH_JSON} (RFC 7396), not {media_type or 'no content type'}")
    try:
        # The standard library's reader, not orjson: a number past 64 bits is then refused by the field it lands in
        # (with that field's location), not as a body that is not JSON.
        patch = json.loads(await request.body(), parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise _invalid("the body is not JSON", "json_invalid") from exc
    if not isinstance(patch, dict):
        raise _invalid("a merge patch is a JSON object of the fields to change", "dict_type")
    if holds_nul(patch):
        raise _invalid("text may not hold the NUL character (\\u0000)", "value_error")
    return patch


MergePatchBody = Annotated[dict[str, Any], Depends(read_merge_patch)]


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        reference = schema.get("$ref", "")
        if reference.startswith("#/$defs/"):
            return _inlined(definitions[reference.removeprefix("#/$defs/")], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def merge_patch_request_body(model: type[BaseModel], example: dict[str, Any]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads a merge patch: its media type and the fields of `model` it may name
    (written out whole, as FastAPI adds no component for a body it does not read itself; `model`'s nested models
    must not be recursive)."""
    schema = model.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "description": "The fields that change (RFC 7396): a field left out stays as it is, `null` clears it, "
            "an object is merged into the object there, a list is replaced whole.",
            "content": {
                MERGE_PATCH_JSON: {"schema": _inlined(schema, schema.get("$defs", {})), "example": example},
            },
        }
    }
