"""HTTP helpers shared by the routes: content negotiation, serialise-once JSON with ETag and 304."""

import hashlib
from typing import Annotated, Any, ClassVar, Literal, Self

import orjson
from fastapi import Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from api.errors import ValidationFailed

Language = Literal["zh", "en"]


def request_language(request: Request) -> Language:
    """The best of zh/en by the Accept-Language header's q-values; Chinese when nothing matches."""
    header = request.headers.get("accept-language", "")
    best: tuple[float, Language] = (0.0, "zh")
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language: Language | None = "en" if tag.startswith("en") else "zh" if tag.startswith("zh") else None
        # Earlier tags win ties, as browsers list them in order of preference.
        score = quality - position * 1e-6
        if language and score > best[0]:
            best = (score, language)
    return best[1]


# Every integer id in a path (place_id, user_id, feedback_id …): ids beyond a 32-bit integer cannot exist, so
# they are a 422 rather than a database error.
MAX_ID = 2_147_483_647
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

# Numbers a client writes (phone numbers, ids, codes) are ASCII digits only. Python reads every script's decimal
# digits as numbers (int("１") == 1, "٣".isdigit()), and `\d` in `re` and in pydantic's patterns matches them, so
# "1380000009９" would be another spelling of a phone number, with its own account and SMS budget. Patterns write
# [0-9], never \d; code reads ids with `id_from_text`; pydantic's own int fields already refuse other digits.


def id_from_text(text: str) -> int | None:
    """The id a text names (ASCII digits, 1 to MAX_ID), or None."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


class RouteParams(BaseModel):
    """A hot route's path and query parameters, validated in one pydantic pass.

    FastAPI validates declared parameters one by one and re-derives each one's annotation on every request: on the
    place routes that cost more CPU than their own work in Python (bench/README.md). Subclasses declare their
    fields with the same constraints, so values, defaults and messages are pydantic's as before; errors are the
    same 422 (`loc` of `path` or `query`), and `openapi_extra` documents the fields as FastAPI would.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)
    path_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def from_request(cls, request: Request) -> Self:
        values: dict[str, Any] = dict(request.query_params)
        values.update(request.path_params)
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise RequestValidationError(
                [
                    {**detail, "loc": (cls._location(detail["loc"][0]), *detail["loc"])}
                    for detail in error.errors(include_url=False)
                ]
            ) from None

    @classmethod
    def _location(cls, name: object) -> str:
        return "path" if name in cls.path_fields else "query"

    @classmethod
    def openapi_extra(cls) -> dict[str, Any]:
        """The fields as OpenAPI parameters, and the 422 answer FastAPI documents for declared ones."""
        parameters = []
        for name, schema in cls.model_json_schema()["properties"].items():
            location = cls._location(name)
            parameter: dict[str, Any] = {"name": name, "in": location, "required": location == "path"}
            parameter["schema"] = schema
            if "description" in schema:
                parameter["description"] = schema["description"]
            parameters.append(parameter)
        invalid = {"$ref": "#/components/schemas/HTTPValidationError"}
        return {
            "parameters": parameters,
            "responses": {
                "422": {"description": "Validation Error", "content": {"application/json": {"schema": invalid}}}
            },
        }


def holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(key) or holds_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_nul(item) for item in value)
    return False  # numbers, and nested bodies, which check their own fields


class RequestBody(BaseModel):
    """Every JSON body a client sends: unknown fields refused, text trimmed, and no NUL character anywhere —
    PostgreSQL's text and JSON cannot hold one (SQLite's can), so it is refused alike on both, as a 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _without_nul(cls, value: Any) -> Any:
        if holds_nul(value):
            raise ValueError("text may not hold the NUL character (\\u0000)")
        return value


def localized(language: Language, zh: str | None, en: str | None) -> str | None:
    return en if language == "en" and en else zh


def plain(item: BaseModel | dict[str, Any]) -> dict[str, Any]:
    """An answer part as JSON-ready data; hot paths build dicts directly, the rest are models.

    exclude_unset leaves out optional parts that do not apply (live figures of a park) instead of sending null.
    """
    return item if isinstance(item, dict) else item.model_dump(mode="json", exclude_unset=True)


def _matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates


def json_with_etag(request: Request, payload: Any, *, max_age: int = 30) -> Response:
    """Serialise once; answer 304 when the client already holds exactly this body."""
    body = orjson.dumps(payload)
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept-Language, Accept-Encoding",
    }
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)


async def no_store(response: Response) -> None:
    """Answers about a signed-in person are never kept by shared caches or the phone's HTTP cache."""
    response.headers["Cache-Control"] = "no-store"


def json_page(request: Request, items: list, next_cursor: str | None, **extra: Any) -> Response:
    """A page of a list as every list answers it: `items`, `next_cursor`, and any extra part that applies
    (a place search's `facets`), serialised once with its ETag."""
    payload: dict[str, Any] = {"items": [plain(item) for item in items], "next_cursor": next_cursor}
    payload.update((name, value) for name, value in extra.items() if value is not None)
    return json_with_etag(request, payload)


Q_FIELD: dict[str, Any] = {
    "max_length": 100,
    "description": "Chinese, pinyin (`yanglao`), initials (`ylzx`) or English; words ANDed.",
}


def trimmed_words(text: str | None) -> str | None:
    """Words as searched: spaces around them dropped, and nothing but spaces the same as no `q`."""
    return (text or "").strip() or None


QParam = Annotated[str | None, Query(**Q_FIELD), AfterValidator(trimmed_words)]


def query_problem(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, errors=[{"loc": ["query", name], "msg": message, "type": "value_error"}])


def parse_list(name: str, value: str | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if not value:
        return ()
    items = tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))
    unknown = [item for item in items if item not in allowed]
    if unknown:
        raise query_problem(name, f"unknown {name} {', '.join(unknown)}; choose from {', '.join(allowed)}")
    return items
