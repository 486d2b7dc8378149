"""Where photos are kept (PHOTO_STORE): the folder on SQLite and the database on PostgreSQL unless chosen, an
S3-compatible bucket reached over HTTP without holding up the event loop; each deletes what no row names."""

import asyncio
import io
import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.housekeeping import run_round
from models import FeedbackPhoto, FeedbackPhotoContent
from tests.conftest import AppFactory
from tests.feedback.conftest import upload
from tests.photo_stores import S3_TEST_CREDENTIALS, bucket_keys, removals_done, s3_client

POSTGRES_URL = "postgresql+asyncpg://svcdir@db.example/svcdir"
SQLITE_URL = "sqlite+aiosqlite:///var/svcdir.sqlite3"
S3 = {
    "photo_store": "s3",
    "photo_s3_endpoint_url": "https://oss-cn-shanghai.aliyuncs.com",
    "photo_s3_bucket": "svcdir-photos",
}


def _jpeg(shade: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_the_folder_is_the_default_on_sqlite_and_the_database_on_postgresql() -> None:
    assert Settings(_env_file=None, database_url=SQLITE_URL).photo_store == "folder"
    assert Settings(_env_file=None, database_url=POSTGRES_URL).photo_store == "database"
    assert Settings(_env_file=None, database_url=SQLITE_URL, photo_store="database").photo_store == "database"
    assert Settings(_env_file=None, database_url=POSTGRES_URL, photo_store="folder").photo_store == "folder"
    assert Settings(_env_file=None, database_url=POSTGRES_URL, **S3).photo_store == "s3"


async def _uploaded(
    client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> tuple[httpx.Response, str]:
    """A resident's photo, sent: the answer, and the key it is stored under."""
    headers, feedback_id = own_feedback
    answer = await upload(client, headers, feedback_id, _jpeg(), "crack.jpg", "image/jpeg")
    assert answer.status_code == 201, answer.text
    return answer, await session.scalar(
        select(FeedbackPhoto.storage_key).where(FeedbackPhoto.id == answer.json()["id"])
    )


@pytest.mark.parametrize(
    ("changes", "refusal"),
    [
        ({"photo_s3_bucket": None}, "PHOTO_S3_BUCKET"),
        ({"photo_s3_endpoint_url": None}, "PHOTO_S3_ENDPOINT_URL"),
        ({"photo_s3_endpoint_url": "oss-cn-shanghai.aliyuncs.com"}, "http"),
        ({"photo_s3_access_key_id": "only-the-id"}, "PHOTO_S3_SECRET_ACCESS_KEY"),
        ({"photo_s3_prefix": "/photos/"}, "PHOTO_S3_PREFIX"),
        ({"photo_s3_prefix": "photos"}, "PHOTO_S3_PREFIX"),
    ],
)
def test_an_incomplete_s3_store_refuses_to_start(changes: dict, refusal: str) -> None:
    with pytest.raises(ValidationError, match=refusal):
        Settings(_env_file=None, database_url=POSTGRES_URL, **{**S3, **changes})


def test_production_sends_photos_to_the_bucket_over_tls_only() -> None:
    production = {
        "app_env": "production",
        "jwt_secret": "a-production-secret-of-32-bytes!",
        "seed_samples": False,
        "sms_sender": "http",
        "sms_gateway_url": "https://sms.example/send",
        "database_url": POSTGRES_URL,
    }
    with pytest.raises(ValidationError, match="https"):
        Settings(_env_file=None, **production, **{**S3, "photo_s3_endpoint_url": "http://minio.internal:9000"})
    assert Settings(_env_file=None, **production, **S3).photo_s3_endpoint_url.startswith("https://")


@pytest.mark.parametrize("photo_store", ["database"])
async def test_the_database_store_keeps_the_bytes_in_their_own_table_and_they_go_with_the_row(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    answer = await upload(client, headers, feedback_id, _jpeg(), "crack.jpg", "image/jpeg")
    assert answer.status_code == 201, answer.text
    photo_id = answer.json()["id"]

    content = await session.scalar(
        select(FeedbackPhotoContent.content).where(FeedbackPhotoContent.photo_id == photo_id)
    )
    served = await client.get(answer.json()["url"], headers=headers)
    assert served.status_code == 200 and served.content == content
    assert Image.open(io.BytesIO(content)).size == (64, 48)
    assert not any(app.state.settings.photo_storage_dir.rglob("*"))  # nothing on this machine's disk

    await session.execute(delete(FeedbackPhoto).where(FeedbackPhoto.id == photo_id))
    await session.commit()
    assert await session.scalar(select(func.count()).where(FeedbackPhotoContent.photo_id == photo_id)) == 0
    assert (await client.get(answer.json()["url"], headers=headers)).status_code == 404


@pytest.mark.parametrize("photo_store", ["s3"])
async def test_an_s3_photo_is_an_object_under_the_prefix_and_is_served_from_it(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, _ = own_feedback
    answer, key = await _uploaded(client, session, own_feedback)
    settings = app.state.settings
    assert bucket_keys(app) == [f"photos/{key}"]
    stored = s3_client(settings.photo_s3_endpoint_url).get_object(Bucket=settings.photo_s3_bucket, Key=f"photos/{key}")
    assert stored["ContentType"] == "image/jpeg"
    content = stored["Body"].read()

    served = await client.get(answer.json()["url"], headers=headers)
    assert served.status_code == 200 and served.content == content
    assert not any(settings.photo_storage_dir.rglob("*"))

    # An object removed behind the service's back: the resident is told so, not shown a server error.
    s3_client(settings.photo_s3_endpoint_url).delete_object(Bucket=settings.photo_s3_bucket, Key=f"photos/{key}")
    missing = await client.get(answer.json()["url"], headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "photo_content_missing"
    assert missing.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("photo_store", ["s3"])
async def test_the_upkeep_round_removes_old_objects_that_no_row_names(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, _ = own_feedback
    answer, key = await _uploaded(client, session, own_feedback)
    settings = app.state.settings
    bucket = s3_client(settings.photo_s3_endpoint_url)
    # What a process that died between the upload and its commit leaves; and what others keep in the bucket.
    bucket.put_object(Bucket=settings.photo_s3_bucket, Key="photos/999999/orphan.jpg", Body=_jpeg(10))
    bucket.put_object(Bucket=settings.photo_s3_bucket, Key="invoices/2026.pdf", Body=b"%PDF-1.7")
    storage = app.state.photo_storage

    # Just uploaded, an object may belong to a transaction not committed yet: kept.
    assert (await run_round(session, datetime.now(UTC), storage))["photo_objects_orphaned"] == 0
    later = datetime.now(UTC) + timedelta(hours=2)
    assert (await run_round(session, later, storage))["photo_objects_orphaned"] == 1
    assert bucket_keys(app) == ["invoices/2026.pdf", f"photos/{key}"]
    assert (await run_round(session, later, storage))["photo_objects_orphaned"] == 0
    served = await client.get(answer.json()["url"], headers=headers)
    assert served.status_code == 200


@pytest.mark.parametrize("photo_store", ["folder"])
async def test_the_upkeep_round_removes_old_files_of_the_folder_that_no_row_names(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    _, key = await _uploaded(client, session, own_feedback)
    root = app.state.settings.photo_storage_dir
    orphan = root / "999999" / "orphan.jpg"
    orphan.parent.mkdir()
    orphan.write_bytes(_jpeg(10))
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    for path in (orphan, root / key):
        os.utime(path, (two_hours_ago, two_hours_ago))

    assert (await run_round(session, datetime.now(UTC), app.state.photo_storage))["photo_objects_orphaned"] == 1
    assert not orphan.exists() and (root / key).exists()


async def test_an_unreachable_bucket_is_a_503_and_keeps_no_row(
    make_app: AppFactory, session: AsyncSession, own_feedback: tuple[dict, int]
) -> None:
    headers, feedback_id = own_feedback
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    app = make_app(
        photo_store="s3",
        photo_s3_endpoint_url=closed,
        photo_s3_bucket="svcdir-photos",
        photo_s3_addressing_style="path",
        **S3_TEST_CREDENTIALS,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = await upload(client, headers, feedback_id, _jpeg(), "crack.jpg", "image/jpeg")
    await removals_done(app)
    assert answer.status_code == 503 and answer.json()["code"] == "photo_store_unavailable"
    assert answer.headers["content-type"] == "application/problem+json"
    assert await session.scalar(select(func.count()).where(FeedbackPhoto.feedback_id == feedback_id)) == 0


class _HeldBucket(ThreadingHTTPServer):
    """An S3-compatible endpoint whose uploads are answered only once `release` is set."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _HeldUploads)
        self.upload_arrived, self.release = threading.Event(), threading.Event()
        self.released_in_time: list[bool] = []


class _HeldUploads(BaseHTTPRequestHandler):
    server: _HeldBucket
    protocol_version = "HTTP/1.1"

    def do_PUT(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.upload_arrived.set()
        self.server.released_in_time.append(self.server.release.wait(timeout=10))
        self.send_response(200)
        self.send_header("ETag", '"held"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def held_bucket() -> Iterator[_HeldBucket]:
    server = _HeldBucket()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    thread.join()


async def test_an_upload_to_a_slow_bucket_does_not_hold_up_other_requests(
    make_app: AppFactory, session: AsyncSession, own_feedback: tuple[dict, int], held_bucket: _HeldBucket
) -> None:
    headers, feedback_id = own_feedback
    host, port = held_bucket.server_address[:2]
    app = make_app(
        photo_store="s3",
        photo_s3_endpoint_url=f"http://{host}:{port}",
        photo_s3_bucket="svcdir-photos",
        photo_s3_addressing_style="path",
        **S3_TEST_CREDENTIALS,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        uploading = asyncio.create_task(upload(client, headers, feedback_id, _jpeg(), "crack.jpg", "image/jpeg"))
        assert await asyncio.to_thread(held_bucket.upload_arrived.wait, 10)
        other = await client.get("/v1/districts")  # answered while the upload waits for the bucket
        held_bucket.release.set()
        answer = await uploading
    assert other.status_code == 200
    assert held_bucket.released_in_time == [True]
    assert answer.status_code == 201, answer.text
