"""Photos on committed rows and real connections: the limit of six holds when uploads race, and nothing is left in
the photo store (file, content row or object) by a transaction that does not commit."""

import asyncio
import contextlib
import io
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api import race_hooks
from api.db import Database
from api.feedback import photos
from api.feedback.photo_stores import PhotoStorage
from models import FeedbackPhoto, FeedbackPhotoContent, Place
from tests.accounts.conftest import bearer
from tests.feedback.conftest import complaint_about, submit, upload
from tests.photo_stores import STORES, bucket_keys, removals_done

# How long the first upload waits at the barrier for the second when the second cannot get there (it waits for
# the first one's lock): long enough that, without the lock, the second always arrives first.
BARRIER_PATIENCE_SECONDS = 3


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (shade, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


class StorageWithBarrier:
    """The app's real storage, whose writes, once armed, wait until two uploads have counted the photos already
    there (the service stores the photo after the count)."""

    def __init__(self, storage: PhotoStorage) -> None:
        self.storage = storage
        self.armed = False
        self.arrived = 0
        self.both_arrived = asyncio.Event()

    def __getattr__(self, name: str):  # noqa: ANN204 - everything but `save` is the real storage's
        return getattr(self.storage, name)

    async def save(self, session: AsyncSession, photo: FeedbackPhoto, content: bytes) -> None:
        if self.armed:
            self.arrived += 1
            if self.arrived == 2:
                self.both_arrived.set()
            # On timeout the other upload is waiting for this one's lock: go on alone.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.both_arrived.wait(), BARRIER_PATIENCE_SECONDS)
        await self.storage.save(session, photo, content)


async def _committed_feedback(app: FastAPI, client: httpx.AsyncClient, database: Database, resident: int) -> int:
    async with database.sessionmaker() as session:
        place_id = (await session.execute(select(Place.id).where(Place.status == "published").limit(1))).scalar_one()
    answer = await submit(client, bearer(app, resident), complaint_about(place_id))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


async def _photo_rows(database: Database, feedback_id: int) -> int:
    async with database.sessionmaker() as session:
        return await session.scalar(select(func.count()).where(FeedbackPhoto.feedback_id == feedback_id))


async def _stored(app: FastAPI, database: Database, feedback_id: int) -> list[str]:
    """What the app's photo store holds for the feedback: files, content rows or objects."""
    settings = app.state.settings
    if settings.photo_store == "database":
        async with database.sessionmaker() as session:
            photo_ids = select(FeedbackPhoto.id).where(FeedbackPhoto.feedback_id == feedback_id)
            return [
                str(photo_id)
                for photo_id in (
                    await session.execute(
                        select(FeedbackPhotoContent.photo_id).where(FeedbackPhotoContent.photo_id.in_(photo_ids))
                    )
                ).scalars()
            ]
    if settings.photo_store == "s3":
        await removals_done(app)
        return [key for key in bucket_keys(app) if key.startswith(f"{settings.photo_s3_prefix}{feedback_id}/")]
    folder = settings.photo_storage_dir / str(feedback_id)
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


async def test_two_uploads_racing_for_the_last_place_store_one(
    live_app: FastAPI, database: Database, committed_resident: int
) -> None:
    app = live_app
    storage = StorageWithBarrier(app.state.photo_storage)
    app.state.photo_storage = storage
    headers = bearer(app, committed_resident)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        feedback_id = await _committed_feedback(app, client, database, committed_resident)
        for shade in range(photos.MAX_PHOTOS - 1):
            answer = await upload(client, headers, feedback_id, _png(shade), f"{shade}.png", "image/png")
            assert answer.status_code == 201, answer.text
        storage.armed = True
        answers = await asyncio.gather(
            *(upload(client, headers, feedback_id, _png(200 + n), f"last{n}.png", "image/png") for n in range(2))
        )
    assert sorted(answer.status_code for answer in answers) == [201, 409], [answer.text for answer in answers]
    assert next(answer for answer in answers if answer.status_code == 409).json()["code"] == "too_many_photos"
    assert await _photo_rows(database, feedback_id) == photos.MAX_PHOTOS
    assert len(await _stored(app, database, feedback_id)) == photos.MAX_PHOTOS  # the refused one's is gone too


@pytest.fixture
def failing_commit_of_photo_uploads() -> Iterator[None]:
    """The commit of every transaction that inserted a photo fails, as when the database goes away at that moment."""

    def note_photo(session: Session, _context: object, _instances: object) -> None:
        if any(isinstance(row, FeedbackPhoto) for row in session.new):
            session.info["test_inserted_a_photo"] = True

    def fail(session: Session) -> None:
        if session.info.pop("test_inserted_a_photo", False):
            raise ConnectionError("the database went away during COMMIT")

    event.listen(Session, "before_flush", note_photo)
    event.listen(Session, "before_commit", fail)
    yield
    event.remove(Session, "before_commit", fail)
    event.remove(Session, "before_flush", note_photo)


@pytest.mark.parametrize("photo_store", STORES)
async def test_a_photo_whose_commit_fails_leaves_nothing_stored(
    live_app: FastAPI, database: Database, committed_resident: int, failing_commit_of_photo_uploads: None
) -> None:
    app = live_app
    headers = bearer(app, committed_resident)
    # A connection lost during COMMIT is an outage: the client is told to try again later (api/outages.py).
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        feedback_id = await _committed_feedback(app, client, database, committed_resident)
        answer = await upload(client, headers, feedback_id, _png(1), "a.png", "image/png")
    assert answer.status_code == 503 and answer.json()["code"] == "database_unavailable"
    assert await _photo_rows(database, feedback_id) == 0
    assert await _stored(app, database, feedback_id) == []


async def test_a_photo_decoded_while_its_author_erases_the_account_is_not_stored(
    live_app: FastAPI, database: Database, committed_resident: int
) -> None:
    app = live_app
    headers = bearer(app, committed_resident)
    erasures: list[httpx.Response] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        feedback_id = await _committed_feedback(app, client, database, committed_resident)

        async def erase_meanwhile(point: str) -> None:
            # The upload is signed in and its photo decoded; the resident's erasure commits before it writes.
            if point == "feedback.photo_decoded" and not erasures:
                erasures.append(await client.delete("/v1/me", headers=headers))

        with race_hooks.installed(erase_meanwhile):
            answer = await upload(client, headers, feedback_id, _png(1), "a.png", "image/png")
    assert [erasure.status_code for erasure in erasures] == [204], [erasure.text for erasure in erasures]
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "invalid_token"
    assert await _photo_rows(database, feedback_id) == 0
    assert await _stored(app, database, feedback_id) == []
