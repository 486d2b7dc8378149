"""Photos are decoded off the event loop within a pixel cap, truncated ones are refused, HEIC is accepted, and
what is stored is a downscaled JPEG within the stated size."""

import asyncio
import io
import struct
import threading
import zlib

import httpx
import pillow_heif
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback import photos
from models import FeedbackPhoto
from tests.feedback.conftest import upload

GPS_IFD = 0x8825


async def _stored(app: FastAPI, session: AsyncSession, photo_id: int) -> bytes:
    key = (await session.execute(select(FeedbackPhoto.storage_key).where(FeedbackPhoto.id == photo_id))).scalar_one()
    return (app.state.settings.photo_storage_dir / key).read_bytes()


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
