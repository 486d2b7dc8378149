"""Operators' endpoints on listings: the list, drafts, merge-patch edits with If-Match, publication, verification,
history and revert, live figures. Every listing is reached through the caller's district grants: one outside them
is a 404, naming a district outside them a 403."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Response, status

from api.curation.feeds import live_figures
from api.curation.merge_patch import MERGE_PATCH_JSON, MergePatchBody, merge_patch_request_body
from api.curation.places import service, views
from api.curation.places.filters import PlaceFiltersDep
from api.curation.places.schemas import (
    AvailabilityUpdate,
    ManagedPlace,
    ManagedPlacePage,
    PlaceCreate,
    PlaceHistoryPage,
    PlacePatch,
    RevertRequest,
    StatusChange,
)
from api.curation.places.writes import StatusAction
from api.curation.preconditions import etag
from api.db import AuthSessionDep, SessionDep
from api.deps import Operator, Principal
from api.geo import CoordSystem
from api.http import PathId, no_store
from api.pagination import CursorParam, LimitParam
from models import Place

# Operators read what they have just written (an ETag to edit with, a new version in the history): from the
# primary, which a replica may lag behind.
PrimaryReadDep = AuthSessionDep

router = APIRouter(prefix="/v1/manage", tags=["curation"], dependencies=[Depends(no_store)])

_ETAG_HEADER = {
    "ETag": {
        "description": 'The listing\'s version, `"<version>"`: send it as If-Match to edit.',
        "schema": {"type": "string"},
    }
}
_WITH_ETAG: dict[int | str, dict[str, Any]] = {200: {"headers": _ETAG_HEADER}}
_DENIED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Not signed in (`invalid_token`)"},
    403: {"description": "Not an operator or admin, or a district that is not yours (`forbidden`)"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such listing in your districts (`not_found`)"}}
_INVALID = {422: {"description": "Not valid (`validation_failed`); each problem in `errors` with its `loc`"}}
_CONFLICT = {409: {"description": "The listing's status does not allow it (`conflict`)"}}
_STALE = {
    412: {"description": "If-Match names an older version (`precondition_failed`); the ETag header has the current one"}
}

# Optional on status changes, verification and revert: when sent, it must name the current version.
OptionalIfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description='Optional here: the ETag (`"<version>"`) you read; when sent, a changed listing is a 412.',
    ),
]
# Required on PATCH, but read as optional so that a missing one is the 428 it is rather than a 422 of the header;
# documented as the required header it is (an OpenAPI client would otherwise leave it out).
RequiredIfMatch = Annotated[str | None, Header(alias="If-Match", max_length=200, include_in_schema=False)]
_IF_MATCH_PARAMETER = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": 'The ETag (`"<version>"`) of the version you edited: without it 428 `precondition_required`, '
    "with an older one 412 `precondition_failed`.",
    "schema": {"type": "string", "maxLength": 200},
}
ReasonQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=500,
        description="Why, for the history and the audit trail. A query parameter, because the body is the "
        "listing's own fields and a header cannot carry Chinese text.",
    ),
]
CoordQuery = Annotated[
    CoordSystem, Query(description="The system of `location` in the patch (`gcj02` and `bd09` are converted).")
]


def _with_etag(response: Response, place: Place) -> None:
    response.headers["ETag"] = etag(place.version)


@router.get("/places", response_model=ManagedPlacePage, summary="Listings of your districts", responses=_DENIED)
async def list_managed_places(
    operator: Operator,
    filters: PlaceFiltersDep,
    session: PrimaryReadDep,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> ManagedPlacePage:
    """Drafts, published and archived listings of your districts (admins: every district), newest first."""
    places, next_cursor = await service.list_places(session, operator, filters, limit=limit, cursor=cursor)
    return ManagedPlacePage(items=views.summaries(places), next_cursor=next_cursor)


@router.post(
    "/places",
    status_code=status.HTTP_201_CREATED,
    response_model=ManagedPlace,
    summary="Create a draft listing",
    responses={
        201: {
            "headers": {
                **_ETAG_HEADER,
                "Location": {"description": "The new listing's URL", "schema": {"type": "string"}},
            }
        },
        **_DENIED,
        409: {"description": "`source_id` already names another listing of the district (`conflict`)"},
        **_INVALID,
    },
)
async def create_managed_place(
    operator: Operator, body: PlaceCreate, session: SessionDep, response: Response
) -> ManagedPlace:
    """A new draft in one of your districts (another district: 403, nothing written). It may wait for its location
    (a `needs_location` warning); publishing needs the location, the opening hours and the category's attributes."""
    place = await service.create_place(session, operator, body.fields(), reason=body.reason)
    _with_etag(response, place)
    response.headers["Location"] = f"/v1/manage/places/{place.id}"
    return await views.managed(session, place)


@router.get(
    "/places/{place_id}",
    response_model=ManagedPlace,
    summary="One listing, as its operators see it",
    responses={**_WITH_ETAG, **_DENIED, **_NOT_FOUND},
)
async def get_managed_place(
    operator: Operator, place_id: PathId, session: PrimaryReadDep, response: Response
) -> ManagedPlace:
    """A listing in one of your districts, drafts and archived ones included, with its ETag for an edit."""
    place = await service.reachable_place(session, operator, place_id)
    _with_etag(response, place)
    return await views.managed(session, place)


@router.patch(
    "/places/{place_id}",
    response_model=ManagedPlace,
    summary="Edit a listing (JSON Merge Patch, If-Match)",
    responses={
        **_WITH_ETAG,
        **_DENIED,
        **_NOT_FOUND,
        409: {"description": "`source_id` already names another listing of the district (`conflict`)"},
        **_STALE,
        415: {"description": f"Not sent as `{MERGE_PATCH_JSON}` (`unsupported_media_type`)"},
        422: {
            "description": "The edited listing would not be valid, or a published one would no longer be complete "
            "(`validation_failed`, each problem in `errors`)"
        },
        428: {"description": "No If-Match (`precondition_required`); the ETag header has the current version"},
    },
    openapi_extra={
        "parameters": [_IF_MATCH_PARAMETER],
        **merge_patch_request_body(PlacePatch, {"description": "每周一至周五供应午餐", "website": None}),
    },
)
async def patch_managed_place(
    operator: Operator,
    place_id: PathId,
    patch: MergePatchBody,
    session: SessionDep,
    response: Response,
    if_match: RequiredIfMatch = None,
    reason: ReasonQuery = None,
    coord: CoordQuery = "wgs84",
) -> ManagedPlace:
    """Change the fields named in the body, as `application/merge-patch+json` (RFC 7396), on the version named by
    If-Match. The result is checked as a whole; an edit that changes nothing makes no version."""
    place = await service.patch_place(session, operator, place_id, patch, if_match=if_match, coord=coord, reason=reason)
    _with_etag(response, place)
    return await views.managed(session, place)


async def _status_change(
    action: StatusAction,
    operator: Principal,
    place_id: int,
    body: StatusChange | None,
    session: SessionDep,
    response: Response,
    if_match: str | None,
) -> ManagedPlace:
    place = await service.change_status(
        session, operator, place_id, action, if_match=if_match, reason=body.reason if body else None
    )
    _with_etag(response, place)
    return await views.managed(session, place)


_STATUS_RESPONSES = {**_WITH_ETAG, **_DENIED, **_NOT_FOUND, **_CONFLICT, **_STALE}


@router.post(
    "/places/{place_id}/publish",
    response_model=ManagedPlace,
    summary="Publish a listing",
    responses={
        **_STATUS_RESPONSES,
        422: {"description": "Not complete: each missing item (location, opening hours, attributes) in `errors`"},
    },
)
async def publish_managed_place(
    operator: Operator,
    place_id: PathId,
    session: SessionDep,
    response: Response,
    body: StatusChange | None = None,
    if_match: OptionalIfMatch = None,
) -> ManagedPlace:
    """A complete draft or archived listing goes public: searchable at once, and in residents' next sync."""
    return await _status_change("publish", operator, place_id, body, session, response, if_match)


@router.post(
    "/places/{place_id}/archive",
    response_model=ManagedPlace,
    summary="Archive a listing",
    responses={**_STATUS_RESPONSES, **_INVALID},
)
async def archive_managed_place(
    operator: Operator,
    place_id: PathId,
    session: SessionDep,
    response: Response,
    body: StatusChange | None = None,
    if_match: OptionalIfMatch = None,
) -> ManagedPlace:
    """Take a listing out of residents' sight (search drops it at once; their sync learns it is gone)."""
    return await _status_change("archive", operator, place_id, body, session, response, if_match)


@router.post(
    "/places/{place_id}/restore",
    response_model=ManagedPlace,
    summary="Restore an archived listing as a draft",
    responses={**_STATUS_RESPONSES, **_INVALID},
)
async def restore_managed_place(
    operator: Operator,
    place_id: PathId,
    session: SessionDep,
    response: Response,
    body: StatusChange | None = None,
    if_match: OptionalIfMatch = None,
) -> ManagedPlace:
    """An archived listing becomes a draft again, to be edited and published."""
    return await _status_change("restore", operator, place_id, body, session, response, if_match)


@router.post(
    "/places/{place_id}/verify",
    response_model=ManagedPlace,
    summary="Confirm a listing is still accurate",
    responses={**_STATUS_RESPONSES, **_INVALID},
)
async def verify_managed_place(
    operator: Operator, place_id: PathId, session: SessionDep, response: Response, if_match: OptionalIfMatch = None
) -> ManagedPlace:
    """Sets `verified_at` (residents see it in the listing's detail; 180 days later it is stale again). Not an
    edit: the version, and so the ETag, stay as they are."""
    place = await service.verify_place(session, operator, place_id, if_match=if_match)
    _with_etag(response, place)
    return await views.managed(session, place)


@router.get(
    "/places/{place_id}/history",
    response_model=PlaceHistoryPage,
    summary="Every version of a listing",
    responses={**_DENIED, **_NOT_FOUND},
)
async def managed_place_history(
    operator: Operator, place_id: PathId, session: PrimaryReadDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> PlaceHistoryPage:
    """Newest first: who made each version, when, why, from where (by hand, import N, correction N, revert to N),
    and each field's old and new value."""
    entries, next_cursor = await service.history(session, operator, place_id, limit=limit, cursor=cursor)
    return PlaceHistoryPage(items=await views.history(session, entries), next_cursor=next_cursor)


@router.post(
    "/places/{place_id}/revert",
    response_model=ManagedPlace,
    summary="Bring back an earlier version's fields",
    responses={
        **_WITH_ETAG,
        **_DENIED,
        404: {"description": "No such listing in your districts, or no such version in its history (`not_found`)"},
        409: {"description": "That version is the current one (`conflict`)"},
        **_STALE,
        422: {"description": "A published listing cannot go back to an incomplete version (`validation_failed`)"},
    },
)
async def revert_managed_place(
    operator: Operator,
    place_id: PathId,
    body: RevertRequest,
    session: SessionDep,
    response: Response,
    if_match: OptionalIfMatch = None,
) -> ManagedPlace:
    """A new version whose fields are those of `version` (the status stays); the history keeps everything."""
    place = await service.revert_place(session, operator, place_id, body.version, if_match=if_match, reason=body.reason)
    _with_etag(response, place)
    return await views.managed(session, place)


@router.put(
    "/places/{place_id}/availability",
    response_model=ManagedPlace,
    summary="Set a listing's live figures",
    responses={**_WITH_ETAG, **_DENIED, **_NOT_FOUND, **_INVALID},
)
async def set_place_availability(
    operator: Operator, place_id: PathId, body: AvailabilityUpdate, session: SessionDep, response: Response
) -> ManagedPlace:
    """Live figures (free beds, free parking spaces) of a listing in one of your districts."""
    place = await live_figures.set_availability(session, operator, place_id, body.available, body.capacity)
    _with_etag(response, place)
    return await views.managed(session, place)
