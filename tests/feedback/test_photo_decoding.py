"""Photos are decoded off the event loop within a pixel cap, truncated ones are refused, HEIC is accepted, and
what is stored is a downscaled JPEG within the stated size."""

import asyncio
import io
import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pillow_heif
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database
from api.feedback import photos
from models import FeedbackPhoto, Place
from tests.accounts.conftest import bearer
from tests.feedback.conftest import complaint_about, submit, upload
from tests.photo_stores import stored_photo
from tests.races import all_answers

GPS_IFD = 0x8825


async def _stored(app: FastAPI, session: AsyncSession, photo_id: int) -> bytes:
    key = (await session.execute(select(FeedbackPhoto.storage_key).where(FeedbackPhoto.id == photo_id))).scalar_one()
    stored = await stored_photo(app, session, key)
    assert stored is not None
    return stored


def _png_declaring_more_rows_than_it_holds(width: int, height: int) -> bytes:
    """A real PNG of two rows whose header then claims `height` rows: its compressed stream ends early."""
    buffer = io.BytesIO()
    Image.new("L", (width, 2), 90).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    data[20:24] = struct.pack(">I", height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))  # the IHDR chunk stays well-formed
    return bytes(data)


async def test_a_png_whose_pixel_data_ends_early_is_refused(
    client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    truncated = _png_declaring_more_rows_than_it_holds(4000, 3000)
    assert len(truncated) < 200 and Image.open(io.BytesIO(truncated)).size == (4000, 3000)
    answer = await upload(client, headers, feedback_id, truncated, "cut.png", "image/png")
    assert answer.status_code == 415, answer.text
    assert answer.json()["code"] == "unsupported_media_type" and "truncated" in answer.json()["detail"]
    kept = await session.execute(select(FeedbackPhoto).where(FeedbackPhoto.feedback_id == feedback_id))
    assert kept.first() is None
    # A complete PNG of the same size is a photo like any other.
    complete = io.BytesIO()
    Image.new("L", (4000, 3000), 90).save(complete, "PNG")
    assert (await upload(client, headers, feedback_id, complete.getvalue(), "ok.png", "image/png")).status_code == 201


async def test_a_large_photo_is_stored_downscaled_as_a_jpeg_within_the_stated_size(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    # Noise is the hardest picture to compress: at full size it would be several MiB whatever the quality.
    noisy = Image.merge("RGB", [Image.effect_noise((3000, 2250), 80) for _ in range(3)])
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG", quality=40)
    assert buffer.tell() <= photos.MAX_BYTES
    answer = await upload(client, headers, feedback_id, buffer.getvalue(), "IMG_0002.jpg", "image/jpeg")
    assert answer.status_code == 201, answer.text
    stored = await _stored(app, session, answer.json()["id"])
    assert len(stored) <= photos.STORED_MAX_BYTES == 1024 * 1024
    kept = Image.open(io.BytesIO(stored))
    assert kept.format == "JPEG" and max(kept.size) <= photos.STORED_LONG_SIDE == 2048
    assert (answer.json()["width"], answer.json()["height"]) == kept.size
    assert abs(kept.width / kept.height - 4 / 3) < 0.01  # downscaled, not cropped or squashed


async def test_a_heic_photo_is_accepted_and_stored_as_a_jpeg_without_metadata(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15"  # Model
    exif[GPS_IFD] = {1: "N", 2: (31.0, 11.0, 42.5), 3: "E", 4: (121.0, 26.0, 15.2)}
    heic = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(heic, "HEIF", exif=exif.tobytes(), quality=80)
    assert pillow_heif.is_supported(heic.getvalue()) and b"iPhone" in heic.getvalue()
    answer = await upload(client, headers, feedback_id, heic.getvalue(), "IMG_0003.HEIC", "image/heic")
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == "image/jpeg"
    assert (answer.json()["width"], answer.json()["height"]) == (640, 480)
    stored = await _stored(app, session, answer.json()["id"])
    assert stored[:2] == b"\xff\xd8" and b"iPhone" not in stored and b"Exif" not in stored
    served = await client.get(answer.json()["url"], headers=headers)
    assert served.headers["content-type"] == "image/jpeg" and served.content == stored


def _bomb_webp() -> bytes:
    """A few KB of lossless WebP that would decode to 6300 × 6300 pixels (noisy patches on a flat field)."""
    picture = Image.new("L", (6300, 6300), 0)
    patch = Image.effect_noise((64, 64), 100)
    for corner in range(0, 6300 - 64, 900):
        picture.paste(patch, (corner, corner))
    buffer = io.BytesIO()
    picture.save(buffer, "WEBP", lossless=True, method=2)
    return buffer.getvalue()


async def test_a_decompression_bomb_is_refused_while_other_requests_are_answered(
    client: httpx.AsyncClient, own_feedback: tuple[dict, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers, feedback_id = own_feedback
    bomb = _bomb_webp()
    assert len(bomb) < 64 * 1024
    started, other_answered = threading.Event(), threading.Event()
    seen: list[bool] = []
    real_clean_image = photos.clean_image

    def clean_image_that_waits_for_another_request(data: bytes, declared_type: str | None) -> photos.CleanImage:
        # Held until another request has been answered; if this ran on the event loop, none could be.
        started.set()
        seen.append(other_answered.wait(timeout=10))
        return real_clean_image(data, declared_type)

    monkeypatch.setattr(photos, "clean_image", clean_image_that_waits_for_another_request)
    bomb_upload = asyncio.create_task(upload(client, headers, feedback_id, bomb, "noise.webp", "image/webp"))
    assert await asyncio.to_thread(started.wait, 10)
    other = await client.get("/v1/districts")
    other_answered.set()
    answer = await bomb_upload
    assert other.status_code == 200
    assert seen == [True]  # the other request was answered while the photo was still being processed
    assert answer.status_code == 413, answer.text
    assert answer.json()["code"] == "image_too_large" and "6300 × 6300" in answer.json()["detail"]


def _small_png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (shade, 90, 160)).save(buffer, "PNG")
    return buffer.getvalue()


class _CountingWorkers(ThreadPoolExecutor):
    """The image workers, which tell the test once `expected` decodes have been handed to them."""

    def __init__(self, expected: int, all_queued: asyncio.Event) -> None:
        super().__init__(max_workers=photos.IMAGE_WORKERS)
        self.expected, self.all_queued, self.handed = expected, all_queued, 0

    def submit(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self.handed += 1  # on the event loop's thread: run_in_executor submits from there
        if self.handed == self.expected:
            self.all_queued.set()
        return super().submit(*args, **kwargs)


async def test_uploads_past_the_decoding_queue_are_refused_until_it_drains(
    live_app: FastAPI, database: Database, committed_resident: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = bearer(live_app, committed_resident)
    release = threading.Event()
    real_clean_image = photos.clean_image

    def clean_image_held(data: bytes, declared_type: str | None) -> photos.CleanImage:
        release.wait(timeout=30)
        return real_clean_image(data, declared_type)

    async with database.sessionmaker() as session:
        place_id = (await session.execute(select(Place.id).where(Place.status == "published").limit(1))).scalar_one()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=live_app), base_url="http://t") as client:
        # One feedback for each upload, so that the limit of photos a feedback cannot be what refuses one.
        feedback_ids = []
        for _ in range(photos.MAX_DECODING_UPLOADS + 1):
            answer = await submit(client, headers, complaint_about(place_id))
            assert answer.status_code == 201, answer.text
            feedback_ids.append(answer.json()["id"])
        monkeypatch.setattr(photos, "clean_image", clean_image_held)
        all_queued = asyncio.Event()
        monkeypatch.setattr(photos, "_workers", _CountingWorkers(photos.MAX_DECODING_UPLOADS, all_queued))
        held = [
            asyncio.create_task(upload(client, headers, feedback_id, _small_png(n), f"{n}.png", "image/png"))
            for n, feedback_id in enumerate(feedback_ids[:-1])
        ]
        await all_queued.wait()  # every held upload is in decoding or waiting for a worker
        try:  # queued behind the held ones instead of refused, it would get no answer: a failure, not a hang
            [refused] = await all_answers(
                upload(client, headers, feedback_ids[-1], _small_png(250), "late.png", "image/png")
            )
        finally:
            release.set()
        answers = await asyncio.gather(*held)
        retried = await upload(client, headers, feedback_ids[-1], _small_png(250), "late.png", "image/png")
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "photo_queue_full" and int(refused.headers["Retry-After"]) >= 1
    assert [answer.status_code for answer in answers] == [201] * photos.MAX_DECODING_UPLOADS
    assert retried.status_code == 201, retried.text
    async with database.sessionmaker() as session:
        stored = await session.scalar(select(func.count()).where(FeedbackPhoto.feedback_id.in_(feedback_ids)))
    assert stored == photos.MAX_DECODING_UPLOADS + 1
