"""Photos: real JPEG/PNG/WebP/HEIC only, ≤ 5 MiB, ≤ 6 per feedback, and nothing of their metadata is kept; bodies
over the limit are refused without being read."""

import io

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import FeedbackPhoto
from tests.feedback.conftest import upload
from tests.photo_stores import STORES, stored_photo

GPS_IFD = 0x8825


def _jpeg_with_gps_and_rotation() -> bytes:
    image = Image.new("RGB", (64, 32), (180, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    exif[0x0110] = "iPhone 15"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    exif[GPS_IFD] = {1: "N", 2: (31.0, 11.0, 42.5), 3: "E", 4: (121.0, 26.0, 15.2)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "taken at 徐汇区虹桥路1号 home of 13800000000")
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 128, 0, 200)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.mark.parametrize("photo_store", STORES)
async def test_a_phone_photo_is_stored_upright_without_exif_or_gps(
    app: FastAPI,
    client: httpx.AsyncClient,
    session: AsyncSession,
    own_feedback: tuple[dict, int],
    staff_headers,  # noqa: ANN001
) -> None:
    original = _jpeg_with_gps_and_rotation()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the upload really carries GPS
    headers, feedback_id = own_feedback
    answer = await upload(client, headers, feedback_id, original, "IMG_0001.jpg", "image/jpeg")
    assert answer.status_code == 201, answer.text
    assert (answer.json()["width"], answer.json()["height"]) == (32, 64)  # turned as the phone showed it

    key = (await session.execute(select(FeedbackPhoto.storage_key))).scalars().all()[-1]
    stored = await stored_photo(app, session, key)
    assert stored is not None
    assert b"Exif" not in stored and b"iPhone" not in stored
    assert len(Image.open(io.BytesIO(stored)).getexif()) == 0

    served = await client.get(answer.json()["url"], headers=headers)
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg" and served.content == stored
    team = await client.get(answer.json()["url"], headers=await staff_headers("reviewer"))
    assert team.status_code == 200
    detail = (await client.get(f"/v1/feedback/{feedback_id}", headers=headers)).json()
    assert [photo["id"] for photo in detail["photos"]] == [answer.json()["id"]]


@pytest.mark.parametrize("photo_store", STORES)
async def test_png_text_chunks_are_dropped_and_webp_is_accepted(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    png = await upload(client, headers, feedback_id, _png_with_text(), "map.png", "image/png")
    assert png.status_code == 201
    key = (
        await session.execute(select(FeedbackPhoto.storage_key).where(FeedbackPhoto.id == png.json()["id"]))
    ).scalar_one()
    stored = await stored_photo(app, session, key)
    assert stored is not None
    assert b"13800000000" not in stored and b"Comment" not in stored
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (1, 2, 3)).save(buffer, "WEBP")
    webp = await upload(client, headers, feedback_id, buffer.getvalue(), "a.webp", "image/webp")
    assert webp.status_code == 201 and webp.json()["content_type"] == "image/jpeg"  # every photo is kept as JPEG


async def test_wrong_types_are_415_and_large_files_413(
    client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    png_bytes = _png_with_text()
    cases = [
        (b"#!/bin/sh\nrm -rf /\n", "photo.jpg", "image/jpeg", 415),  # not an image at all
        (gif.getvalue(), "a.gif", "image/gif", 415),  # an image of a refused type
        (png_bytes, "a.jpg", "image/jpeg", 415),  # a PNG claiming to be a JPEG
        (png_bytes[:40], "cut.png", "image/png", 415),  # a truncated image
        (b"\xff\xd8" + b"\0" * (5 * 1024 * 1024), "huge.jpg", "image/jpeg", 413),
    ]
    for data, name, kind, status in cases:
        answer = await upload(client, headers, feedback_id, data, name, kind)
        assert answer.status_code == status, name
        assert answer.headers["content-type"] == "application/problem+json"
    assert (
        await session.execute(select(FeedbackPhoto).where(FeedbackPhoto.feedback_id == feedback_id))
    ).first() is None


async def test_at_most_six_photos(client: httpx.AsyncClient, own_feedback: tuple[dict, int]) -> None:
    headers, feedback_id = own_feedback
    png = _png_with_text()
    statuses = [
        (await upload(client, headers, feedback_id, png, f"{n}.png", "image/png")).status_code for n in range(7)
    ]
    assert statuses == [201] * 6 + [409]


def _counted_chunks(chunks: list[bytes], pulled: list[int]):  # noqa: ANN202
    """A request body that records how many of its chunks the server asked for."""

    async def stream():  # noqa: ANN202
        for chunk in chunks:
            pulled.append(len(chunk))
            yield chunk

    return stream()


async def test_bodies_far_beyond_the_limit_are_refused_before_they_are_read(
    client: httpx.AsyncClient, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    boundary = "svcdir-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    chunks = [head, b"\xff\xd8", *[b"\0" * 65536] * 96, f"\r\n--{boundary}--\r\n".encode()]
    pulled: list[int] = []
    huge = await client.post(
        f"/v1/feedback/{feedback_id}/photos",
        content=_counted_chunks(chunks, pulled),
        headers={
            **headers,
            "content-type": f"multipart/form-data; boundary={boundary}",
            "content-length": str(sum(map(len, chunks))),
        },
    )
    assert huge.status_code == 413 and huge.json()["code"] == "payload_too_large"
    assert pulled == []  # the announced length alone decided: not one byte of the 6 MiB was read
    pulled_json: list[int] = []
    json_chunks = [b'{"kind":"', *[b"x" * 10_000] * 30, b'"}']
    json_bomb = await client.post(
        "/v1/feedback",
        content=_counted_chunks(json_chunks, pulled_json),
        headers={
            **headers,
            "Idempotency-Key": "k",
            "content-type": "application/json",
            "content-length": str(sum(map(len, json_chunks))),
        },
    )
    assert json_bomb.status_code == 413 and json_bomb.headers["content-type"] == "application/problem+json"
    assert pulled_json == []


async def test_a_streamed_body_is_cut_off_at_the_limit(client: httpx.AsyncClient, resident_headers) -> None:  # noqa: ANN001
    headers = await resident_headers()
    pulled: list[int] = []
    # No Content-Length: the body arrives in chunks, a megabyte of them, against a limit of 256 KiB.
    chunks = [b'{"kind":"', *[b"x" * 10_000] * 100]
    answer = await client.post(
        "/v1/feedback",
        content=_counted_chunks(chunks, pulled),
        headers={**headers, "Idempotency-Key": "k", "content-type": "application/json"},
    )
    assert answer.status_code == 413 and answer.json()["code"] == "payload_too_large"
    # Reading stopped at the chunk that passed the limit, not at the end of the body.
    assert sum(pulled) - pulled[-1] <= 256 * 1024 < sum(pulled)
