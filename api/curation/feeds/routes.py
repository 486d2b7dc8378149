"""Live figures from machines: admins' keys for feeds, and the batch of figures a feed (or an operator) pushes."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.accounts.runtime import AccountsDep
from api.curation.feeds import keys as feed_keys
from api.curation.feeds import live_figures
from api.curation.feeds.live_figures import FeedScope
from api.curation.feeds.schemas import (
    AvailabilityAnswer,
    AvailabilityBatch,
    FeedKeyCreate,
    FeedKeyCreated,
    FeedKeyPage,
    FeedKeyPublic,
    FigureOutcome,
)
from api.db import AuthSessionDep, ReadSessionDep, SessionDep
from api.deps import Admin, current_principal
from api.errors import BadRequest, Forbidden
from api.http import PathId, no_store
from models import FeedKey

keys_router = APIRouter(prefix="/v1/admin/api-keys", tags=["administration"], dependencies=[Depends(no_store)])
feed_router = APIRouter(prefix="/v1/manage", tags=["curation"], dependencies=[Depends(no_store)])

API_KEY_HEADER = "X-API-Key"
_api_key = APIKeyHeader(
    name=API_KEY_HEADER, auto_error=False, description="A feed key (`svk_…`) from POST /v1/admin/api-keys"
)
_bearer = HTTPBearer(auto_error=False, description="An access token from /v1/auth/otp/verify or /v1/auth/login")


class AmbiguousCredentials(BadRequest):
    code, title = "ambiguous_credentials", "Send either an API key or a bearer token, not both"


async def feed_scope(
    api_key: Annotated[str | None, Depends(_api_key)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: AuthSessionDep,
    runtime: AccountsDep,
) -> FeedScope:
    """A machine's feed key (`X-API-Key`), or an operator's or admin's bearer token. A key opens this route only:
    every other route reads a bearer token, which a key is not."""
    if api_key is not None:
        if credentials is not None:
            raise AmbiguousCredentials("a call is made either by a feed key or by a person: send one of the two")
        return FeedScope.of_key(await feed_keys.key_in_use(session, api_key))
    principal = await current_principal(credentials, session, runtime)
    if principal.role not in ("operator", "admin"):
        raise Forbidden("this needs the role operator or admin, or a feed key")
    return FeedScope.of_staff(principal)


def _public(row: FeedKey) -> FeedKeyPublic:
    return FeedKeyPublic.model_validate(row, from_attributes=True)


@keys_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedKeyCreated,
    summary="Make a key for a machine feed",
    responses={422: {"description": "Unknown districts, or categories without live figures"}},
)
async def create_api_key(admin: Admin, body: FeedKeyCreate, session: SessionDep) -> FeedKeyCreated:
    """A key with which a car park's or nursing home's system pushes live figures to PUT /v1/manage/availability,
    for listings of these districts and categories only. The answer holds the key itself, this once: only its hash
    is kept."""
    row, key = await feed_keys.create_key(
        session, admin.user_id, name=body.name, districts=body.districts, categories=body.categories
    )
    return FeedKeyCreated(**_public(row).model_dump(), key=key)


@keys_router.get("", response_model=FeedKeyPage, summary="List the keys of machine feeds")
async def list_api_keys(
    _: Admin,
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> FeedKeyPage:
    """Newest first, revoked ones included; each with its prefix and scope, never the key or its hash."""
    rows, next_cursor = await feed_keys.list_keys(session, limit=limit, cursor=cursor)
    return FeedKeyPage(items=[_public(row) for row in rows], next_cursor=next_cursor)


@keys_router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a key of a machine feed",
    responses={404: {"description": "No such key"}},
)
async def revoke_api_key(admin: Admin, key_id: PathId, session: SessionDep) -> None:
    """The key stops working at once (401 `invalid_api_key`). Revoking it again answers 204 as well."""
    await feed_keys.revoke_key(session, admin.user_id, key_id)


@feed_router.put(
    "/availability",
    response_model=AvailabilityAnswer,
    summary="Push live figures of many listings",
    responses={
        400: {"description": "`ambiguous_credentials`: both an API key and a bearer token"},
        401: {"description": "`invalid_api_key` (unknown or revoked key) or `invalid_token`"},
        403: {"description": "Signed in, but neither operator nor admin"},
        413: {"description": "The body is larger than 256 KiB"},
        422: {"description": "A malformed figure (`validation_failed`) or more than 500 (`too_many_figures`)"},
    },
)
async def push_availability(
    scope: Annotated[FeedScope, Depends(feed_scope)], body: AvailabilityBatch, session: SessionDep
) -> AvailabilityAnswer:
    """Free beds, parking spaces or connectors of up to 500 listings, each named by `place_id` or by the office's
    `source_id`. Send `X-API-Key: svk_…` (a feed key, scoped to its districts and categories) or an operator's or
    admin's bearer token (their districts, every category with live figures).

    Each figure stands alone: `applied`; `ignored_older` when its `as_of` is no newer than the stored one; or
    `rejected` with a `code` (`not_found` alike for an unknown listing and one outside your scope). Valid figures
    are written even when others are rejected. Live figures are not edits (the listing's version and ETag stay);
    a changed `capacity` is one, kept in the listing's history. Residents see `available_updated_at` (the figure's
    `as_of`) and `available_age_seconds`."""
    batch = await live_figures.apply_figures(session, scope, body.figures)
    return AvailabilityAnswer(
        applied=batch.count("applied"),
        ignored_older=batch.count("ignored_older"),
        rejected=batch.count("rejected"),
        results=[FigureOutcome.model_validate(result, from_attributes=True) for result in batch.results],
        received_at=batch.received_at,
    )
