"""Residents' feedback endpoints, their inbox, and the public statistics."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Header, Query, Request, Response, UploadFile, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from api import race_hooks
from api.db import AuthSessionDep, PublicReadDep, ReadSessionDep, SessionDep
from api.deps import CurrentUser, Resident
from api.errors import Forbidden
from api.feedback import idempotency, notifications, photos, service, stats, views
from api.feedback.schemas import (
    FeedbackCreate,
    FeedbackPage,
    FeedbackPublic,
    FeedbackStats,
    NotificationPage,
    NotificationPublic,
    PhotoPublic,
    RatingCreate,
    ReopenRequest,
)
from api.http import PathId, no_store
from api.pagination import CursorParam, LimitParam

router = APIRouter(prefix="/v1", tags=["feedback"], dependencies=[Depends(no_store)])
stats_router = APIRouter(prefix="/v1", tags=["feedback"])

IDEMPOTENCY_KEY_MAX_LENGTH = 255
IDEMPOTENCY_KEY_DESCRIPTION = (
    "A new UUID per feedback; reuse it on retries. Required: without it the answer is 400 `idempotency_key_required`."
)
# Read as optional, so that a missing key is the 400 above rather than a 422 of the header; documented as the
# required header it is (an OpenAPI client would otherwise leave it out).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        include_in_schema=False,
    ),
]
_IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": IDEMPOTENCY_KEY_DESCRIPTION,
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
}


def _storage(request: Request) -> service.PhotoStorage:
    return request.app.state.photo_storage


@router.post(
    "/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackPublic,
    responses={
        400: {"description": "No Idempotency-Key"},
        422: {"description": "Invalid, or key reused"},
        429: {"description": "20 a day"},
    },
    openapi_extra={"parameters": [_IDEMPOTENCY_KEY_PARAMETER]},
)
async def submit_feedback(
    resident: Resident, body: FeedbackCreate, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> Response:
    """Send a complaint, suggestion, correction or praise. Retrying with the same key and body is safe."""

    async def create() -> tuple[int, dict]:
        feedback = await service.submit(session, resident, body)
        return status.HTTP_201_CREATED, jsonable_encoder(await views.detail(session, feedback, for_team=False))

    await race_hooks.after_check("feedback.signed_in")
    answer = await idempotency.once(session, resident.user_id, idempotency_key, body.model_dump(mode="json"), create)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    return JSONResponse(answer.body, status_code=answer.status, headers={**headers, "Cache-Control": "no-store"})


@router.get("/me/feedback", response_model=FeedbackPage)
async def list_my_feedback(
    resident: Resident, session: ReadSessionDep, limit: LimitParam = 20, cursor: CursorParam = None
) -> FeedbackPage:
    """Your feedback, newest first."""
    items, next_cursor = await service.list_own(session, resident, limit=limit, cursor=cursor)
    return FeedbackPage(items=[views.summary(item) for item in items], next_cursor=next_cursor)


@router.get("/feedback/{feedback_id}", response_model=FeedbackPublic)
async def get_my_feedback(resident: Resident, feedback_id: PathId, session: ReadSessionDep) -> dict:
    """One of your feedback with its public history and replies; anyone else's is a 404."""
    return await views.detail(session, await service.own(session, resident, feedback_id), for_team=False)


@router.post(
    "/feedback/{feedback_id}/photos",
    status_code=status.HTTP_201_CREATED,
    response_model=PhotoPublic,
    responses={
        413: {"description": "Larger than 5 MiB (`payload_too_large`) or 25 megapixels (`image_too_large`)"},
        415: {"description": "Not a complete JPEG, PNG, WebP or HEIC image of the type it is sent as"},
        503: {
            "description": "Too many photos being decoded (`photo_queue_full`, with Retry-After) or the photo store "
            "not answering (`photo_store_unavailable`); nothing was stored"
        },
    },
)
async def add_feedback_photo(
    resident: Resident,
    feedback_id: PathId,
    request: Request,
    session: SessionDep,
    primary_read: AuthSessionDep,  # autocommit reads on the primary: a replica may not have the feedback yet
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or HEIC, at most 5 MiB and 25 megapixels")],
) -> PhotoPublic:
    """Attach a photo (up to 6). It is stored as a JPEG of at most 2048 pixels on its long side and 1 MiB, upright,
    with EXIF, GPS and every other metadata removed."""
    data = await file.read(photos.MAX_BYTES + 1)
    photo = await service.add_photo(
        session, primary_read, _storage(request), resident, feedback_id, data, file.content_type
    )
    return PhotoPublic(
        id=photo.id,
        url=f"/v1/feedback/{feedback_id}/photos/{photo.id}",
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
    )


@router.get(
    "/feedback/{feedback_id}/photos/{photo_id}",
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
        404: {"description": "No such photo of yours (`not_found`), or its content is gone (`photo_content_missing`)"},
        503: {"description": "The photo store is not answering (`photo_store_unavailable`)"},
    },
)
async def get_feedback_photo(
    principal: CurrentUser, feedback_id: PathId, photo_id: PathId, request: Request, session: ReadSessionDep
) -> Response:
    """A photo of your own feedback (the feedback team sees every photo)."""
    if principal.role == "resident":
        await service.own(session, principal, feedback_id)
    elif principal.role not in ("reviewer", "admin"):
        raise Forbidden("photos of feedback are for their author and the feedback team")
    content, content_type = await service.photo_content(session, _storage(request), feedback_id, photo_id)
    return Response(content, media_type=content_type, headers={"Cache-Control": "private, max-age=86400"})


@router.post("/feedback/{feedback_id}/rating", response_model=FeedbackPublic)
async def rate_feedback(resident: Resident, feedback_id: PathId, body: RatingCreate, session: SessionDep) -> dict:
    """Rate a resolved feedback 1–5 (once); this closes it."""
    feedback = await service.rate(session, resident, feedback_id, body.score, body.comment)
    return await views.detail(session, feedback, for_team=False)


@router.post("/feedback/{feedback_id}/reopen", response_model=FeedbackPublic)
async def reopen_feedback(resident: Resident, feedback_id: PathId, body: ReopenRequest, session: SessionDep) -> dict:
    """Not solved after all? Reopen within 7 days of the resolution, saying why."""
    feedback = await service.reopen(session, resident, feedback_id, body.reason)
    return await views.detail(session, feedback, for_team=False)


@router.get("/me/notifications", response_model=NotificationPage)
async def list_my_notifications(
    resident: Resident,
    session: ReadSessionDep,
    unread: bool = False,
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> NotificationPage:
    """Your inbox, newest first: every public status change or reply of your feedback."""
    items, next_cursor = await notifications.inbox(
        session, resident.user_id, unread_only=unread, limit=limit, cursor=cursor
    )
    return NotificationPage(
        items=[
            NotificationPublic(
                id=item.id,
                kind=item.kind,
                title=item.title,
                body=item.body,
                feedback_id=item.feedback_id,
                created_at=item.created_at,
                read=item.read_at is not None,
            )
            for item in items
        ],
        next_cursor=next_cursor,
    )


@router.post("/me/notifications/{notification_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_notification_read(resident: Resident, notification_id: PathId, session: SessionDep) -> Response:
    await notifications.mark_read(session, resident.user_id, notification_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/notifications/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_all_notifications_read(resident: Resident, session: SessionDep) -> Response:
    await notifications.mark_read(session, resident.user_id, None)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@stats_router.get("/stats/feedback", response_model=FeedbackStats, tags=["feedback"])
async def feedback_statistics(
    public: PublicReadDep, district: Annotated[str | None, Query(pattern=r"^[0-9]{6}$")] = None
) -> dict:
    """How feedback is handled: counts by status and district, time to resolution, deadlines kept, ratings."""
    async with public.session() as session:
        return await stats.feedback_stats(session, district)
