"""HTTP helpers shared by the routes: content negotiation, serialise-once JSON with ETag and 304."""

import hashlib
from typing import Annotated, Any, Literal

import orjson
from fastapi import Depends, Path, Request, Response
from pydantic import BaseModel

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


async def preferred_language(request: Request) -> Language:
    return request_language(request)


LanguageDep = Annotated[Language, Depends(preferred_language)]

# Every integer id in a path (place_id, user_id, feedback_id …): ids beyond a 32-bit integer cannot exist, so
# they are a 422 rather than a database error.
MAX_ID = 2_147_483_647
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


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
