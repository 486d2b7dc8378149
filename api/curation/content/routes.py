"""Staff endpoints on events (operators, in their districts), articles and one-thing bundles (admins): drafts, merge-
patch edits with If-Match, publishing, cancelling an event, archiving, history and revert."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response

from api.curation.content import lists as content_lists
from api.curation.content import writes as content_writes
from api.curation.content.fields import ArticleFields, EventFields, LocalTime, NewBundle
from api.curation.content.schemas import (
    Cancellation,
    HistoryPage,
    ManagedArticle,
    ManagedArticleItem,
    ManagedBundle,
    ManagedBundleItem,
    ManagedEvent,
    ManagedEventItem,
    RevertRequest,
    StatusChange,
)
from api.curation.content.writes import ARTICLES, BUNDLES, EVENTS, ContentKind
from api.curation.merge_patch import MergePatchBody, merge_patch_request_body
from api.curation.preconditions import etag
from api.db import ReadSessionDep, SessionDep
from api.deps import Admin, Operator
from api.http import MAX_ID, no_store
from api.pagination import CursorParam, LimitParam, Page
from models.base import EVENT_STATUSES

router = APIRouter(prefix="/v1/manage", tags=["curation"], dependencies=[Depends(no_store)])

_NOT_FOUND = {404: {"description": "No such entry (for an operator: none in their districts)"}}
_FORBIDDEN = {403: {"description": "Not your role, or a district that was not granted to you (nothing written)"}}
_EDIT = {
    **_NOT_FOUND,
    412: {"description": "`precondition_failed`: it changed since the version `If-Match` names (see `ETag`)"},
    415: {"description": "`unsupported_media_type`: the body is not application/merge-patch+json"},
    428: {"description": "`precondition_required`: send `If-Match` with the ETag of the version you edited"},
}
_STATUS = {**_NOT_FOUND, 409: {"description": "Not possible from its current status"}}
IfMatch = Annotated[
    str | None,
    Header(description='The `ETag` of the version the edit was made on (from GET), e.g. `"3"`.', max_length=200),
]
StatusFilter = Annotated[str | None, Query(pattern=f"^({'|'.join(EVENT_STATUSES)})$")]
UpdatedSince = Annotated[LocalTime | None, Query(description="Changed at or after, with its offset.")]
TextQuery = Annotated[str | None, Query(min_length=1, max_length=100, description="Words of the title or text.")]
EventKey = Annotated[int, Path(alias="event_id", ge=1, le=MAX_ID)]
ArticleKey = Annotated[int, Path(alias="article_id", ge=1, le=MAX_ID)]
BundleKey = Annotated[str, Path(alias="bundle_code", pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["residence_permit"])]


async def _answer(session: Any, kind: ContentKind, row: Any, response: Response) -> Any:
    response.headers["ETag"] = etag(row.version)
    return await content_lists.managed(session, kind, row)


def _lifecycle(
    kind: ContentKind, base: str, key_type: Any, caller: Any, managed_model: type, patch_example: dict[str, Any]
) -> None:
    """GET, PATCH, status actions, history and revert of one kind, at `{base}/{key}`."""
    key_name = {EVENTS: "{event_id}", ARTICLES: "{article_id}", BUNDLES: "{bundle_code}"}[kind]
    path = f"{base}/{key_name}"
    label = kind.name
    a_label = f"{'an' if label[0] in 'aeiou' else 'a'} {label}"

    @router.get(
        path,
        response_model=managed_model,
        responses=_NOT_FOUND,
        summary=f"One {label}, in any status",
        name=f"get_managed_{label}",
    )
    async def get_entry(principal: caller, key: key_type, session: ReadSessionDep, response: Response) -> Any:
        """With its `ETag` (its version), to send back in `If-Match` when editing it."""
        return await _answer(session, kind, await content_writes.reachable(session, principal, kind, key), response)

    @router.patch(
        path,
        response_model=managed_model,
        responses={**_EDIT, **_FORBIDDEN},
        summary=f"Edit {a_label} (JSON merge patch, If-Match required)",
        name=f"edit_{label}",
        openapi_extra=merge_patch_request_body(kind.fields, patch_example),
    )
    async def patch_entry(
        principal: caller,
        key: key_type,
        changes: MergePatchBody,
        session: SessionDep,
        response: Response,
        if_match: IfMatch = None,
    ) -> Any:
        """RFC 7396: a member sets a field, null clears it, an object merges into the one there, an array
        replaces it. The result is validated whole (422 naming each field); nothing is written when it is not
        valid or changes nothing. A published one (or a cancelled event) must stay complete."""
        row = await content_writes.reachable(session, principal, kind, key, for_update=True)
        await content_writes.patch(session, principal, kind, row, if_match, changes)
        return await _answer(session, kind, row, response)

    for action in sorted(kind.actions):
        _status_route(kind, path, key_type, caller, managed_model, action)

    @router.get(
        f"{path}/history",
        response_model=HistoryPage,
        responses=_NOT_FOUND,
        summary=f"{a_label.capitalize()}'s history",
        name=f"{label}_history",
    )
    async def entry_history(
        principal: caller, key: key_type, session: ReadSessionDep, limit: LimitParam = 20, cursor: CursorParam = None
    ) -> HistoryPage:
        """Every version, newest first: who, when, each field's change (old → new), the reason and the source."""
        row = await content_writes.reachable(session, principal, kind, key)
        return await content_lists.history_page(session, kind, row, limit=limit, cursor=cursor)

    @router.post(
        f"{path}/revert",
        response_model=managed_model,
        responses={**_STATUS, **_FORBIDDEN, 422: {"description": "That version would not be valid now"}},
        summary=f"Revert {a_label} to an earlier version",
        name=f"revert_{label}",
    )
    async def revert_entry(
        principal: caller, key: key_type, body: RevertRequest, session: SessionDep, response: Response
    ) -> Any:
        """A new version whose fields are those of `version` (its status stays as it is)."""
        row = await content_writes.reachable(session, principal, kind, key, for_update=True)
        await content_writes.revert(session, principal, kind, row, body.version, reason=body.reason)
        return await _answer(session, kind, row, response)


_ACTION_DOCS = {
    "publish": "Residents see it, and search finds it. Only a complete one: 422 naming what is missing.",
    "cancel": "It will not take place: residents who saved it still read it, with `status: cancelled`; lists of "
    "upcoming events and search no longer offer it. Needs a `reason`.",
    "archive": "Nobody but staff sees it any more; /v1/sync tells phones to drop it.",
    "restore": "An archived one becomes a draft again.",
}


def _status_route(kind: ContentKind, path: str, key_type: Any, caller: Any, managed_model: type, action: str) -> None:
    # A cancellation says why (residents who saved the event are owed a reason); the other actions may.
    body_type: Any = Cancellation if action == "cancel" else StatusChange | None
    body_param: Any = Body() if action == "cancel" else Body(default=None)

    @router.post(
        f"{path}/{action}",
        response_model=managed_model,
        responses={**_STATUS, 422: {"description": "Not complete enough to publish"}},
        summary=f"{action.capitalize()} {'an' if kind.name[0] in 'aeiou' else 'a'} {kind.name}",
        name=f"{action}_{kind.name}",
        description=_ACTION_DOCS[action],
    )
    async def change(
        principal: caller, key: key_type, session: SessionDep, response: Response, body: body_type = body_param
    ) -> Any:  # type: ignore[valid-type]
        row = await content_writes.reachable(session, principal, kind, key, for_update=True)
        reason = body.reason if body is not None else None
        await content_writes.change_status(session, principal, kind, row, action, reason=reason)  # type: ignore[arg-type]
        return await _answer(session, kind, row, response)


def _created(response: Response, kind: ContentKind, row: Any, base: str) -> None:
    response.headers["Location"] = f"/v1/manage{base}/{kind.key(row)}"
    response.headers["ETag"] = etag(row.version)


@router.get(
    "/events",
    response_model=Page[ManagedEventItem],
    responses=_FORBIDDEN,
    summary="Events of your districts, in any status",
)
async def list_managed_events(
    operator: Operator,
    session: ReadSessionDep,
    status: StatusFilter = None,
    category: Annotated[str | None, Query(max_length=60, description="A category code, its children included.")] = None,
    district: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Page[ManagedEventItem]:
    """Newest first. Operators see the events of their granted districts (a `district` not granted → 403);
    admins see every event, those without a district too."""
    items, next_cursor = await content_lists.list_events(
        session,
        operator,
        status=status,
        category=category,
        district=district,
        q=q,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return Page[ManagedEventItem](items=items, next_cursor=next_cursor)


@router.post(
    "/events",
    response_model=ManagedEvent,
    status_code=201,
    responses={**_FORBIDDEN},
    summary="Create an event draft",
)
async def create_event(operator: Operator, body: EventFields, session: SessionDep, response: Response) -> Any:
    """A draft in one of your districts (another district, or none unless you are an admin → 403, nothing
    written). Times carry their offset (`+08:00`); `ends_at` is not before `starts_at`; a `venue_place_id` is a
    published place of the same district; the category is one of kind `event`."""
    row = await content_writes.create(session, operator, EVENTS, body)
    _created(response, EVENTS, row, "/events")
    return await content_lists.managed(session, EVENTS, row)


@router.get("/articles", response_model=Page[ManagedArticleItem], summary="Articles, in any status")
async def list_managed_articles(
    admin: Admin,
    session: ReadSessionDep,
    status: StatusFilter = None,
    topic: Annotated[str | None, Query(max_length=40)] = None,
    audience: Annotated[str | None, Query(max_length=40)] = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Page[ManagedArticleItem]:
    """Newest first."""
    items, next_cursor = await content_lists.list_articles(
        session,
        status=status,
        topic=topic,
        audience=audience,
        q=q,
        updated_since=updated_since,
        limit=limit,
        cursor=cursor,
    )
    return Page[ManagedArticleItem](items=items, next_cursor=next_cursor)


@router.post(
    "/articles", response_model=ManagedArticle, status_code=201, responses=_FORBIDDEN, summary="Create an article draft"
)
async def create_article(admin: Admin, body: ArticleFields, session: SessionDep, response: Response) -> Any:
    """A draft; publishing it sets `published_at` the first time."""
    row = await content_writes.create(session, admin, ARTICLES, body)
    _created(response, ARTICLES, row, "/articles")
    return await content_lists.managed(session, ARTICLES, row)


@router.get("/bundles", response_model=Page[ManagedBundleItem], summary="One-thing bundles, in any status")
async def list_managed_bundles(
    admin: Admin,
    session: ReadSessionDep,
    status: StatusFilter = None,
    q: TextQuery = None,
    updated_since: UpdatedSince = None,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Page[ManagedBundleItem]:
    """By code."""
    items, next_cursor = await content_lists.list_bundles(
        session, status=status, q=q, updated_since=updated_since, limit=limit, cursor=cursor
    )
    return Page[ManagedBundleItem](items=items, next_cursor=next_cursor)


@router.post(
    "/bundles",
    response_model=ManagedBundle,
    status_code=201,
    responses={**_FORBIDDEN, 409: {"description": "A bundle with this code exists"}},
    summary="Create a one-thing bundle draft",
)
async def create_bundle(admin: Admin, body: NewBundle, session: SessionDep, response: Response) -> Any:
    """A draft with its questions and its matters in order; each matter's `applies_when` names questions of the
    bundle and answers they offer."""
    row = await content_writes.create(session, admin, BUNDLES, body)
    _created(response, BUNDLES, row, "/bundles")
    return await content_lists.managed(session, BUNDLES, row)


_lifecycle(EVENTS, "/events", EventKey, Operator, ManagedEvent, {"title": "社区健康讲座（改期）", "summary": None})
_lifecycle(ARTICLES, "/articles", ArticleKey, Admin, ManagedArticle, {"expert": {"title": "主任医师"}})
_lifecycle(BUNDLES, "/bundles", BundleKey, Admin, ManagedBundle, {"summary": "合并办理，一次办结。"})
