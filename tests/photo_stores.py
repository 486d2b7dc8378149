"""The three photo stores in tests: the folder, the database, and a real S3-compatible HTTP server on this machine
(moto's, which boto3 talks to over HTTP exactly as to Aliyun OSS or Tencent COS); and what each holds."""

import uuid
from collections.abc import Iterator

import boto3
import pytest
from fastapi import FastAPI
from moto.server import ThreadedMotoServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback.photo_stores import S3Storage
from models import FeedbackPhoto, FeedbackPhotoContent

STORES = ("folder", "database", "s3")
# Moto accepts any credentials; these only let boto3 sign its requests.
S3_TEST_CREDENTIALS = {"photo_s3_access_key_id": "test-key-id", "photo_s3_secret_access_key": "test-secret"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):  # noqa: ANN201 - boto3 clients are untyped
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_TEST_CREDENTIALS["photo_s3_access_key_id"],
        aws_secret_access_key=S3_TEST_CREDENTIALS["photo_s3_secret_access_key"],
    )


def new_bucket_settings(endpoint: str) -> dict[str, object]:
    """Settings of an S3 photo store on a new, empty bucket of the local server (path style, as MinIO)."""
    bucket = f"svcdir-photos-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=bucket)
    return {
        "photo_store": "s3",
        "photo_s3_endpoint_url": endpoint,
        "photo_s3_bucket": bucket,
        "photo_s3_region": "us-east-1",
        "photo_s3_addressing_style": "path",
        **S3_TEST_CREDENTIALS,
    }


def store_settings(request: pytest.FixtureRequest, store: str | None) -> dict[str, object]:
    """Settings overrides for `store` (None: the backend's default)."""
    if store == "s3":
        return new_bucket_settings(request.getfixturevalue("s3_endpoint"))
    return {"photo_store": store} if store else {}


def bucket_keys(app: FastAPI) -> list[str]:
    """Every object key of the app's bucket."""
    settings = app.state.settings
    answer = s3_client(settings.photo_s3_endpoint_url).list_objects_v2(Bucket=settings.photo_s3_bucket)
    return sorted(entry["Key"] for entry in answer.get("Contents", ()))


async def stored_photo(app: FastAPI, session: AsyncSession, key: str) -> bytes | None:
    """What the app's photo store holds under `key`, read from the store itself (not through the app)."""
    settings = app.state.settings
    if settings.photo_store == "folder":
        path = settings.photo_storage_dir / key
        return path.read_bytes() if path.exists() else None
    if settings.photo_store == "database":
        return await session.scalar(
            select(FeedbackPhotoContent.content)
            .join(FeedbackPhoto, FeedbackPhoto.id == FeedbackPhotoContent.photo_id)
            .where(FeedbackPhoto.storage_key == key)
        )
    client = s3_client(settings.photo_s3_endpoint_url)
    object_key = f"{settings.photo_s3_prefix}{key}"
    if object_key not in bucket_keys(app):
        return None
    return client.get_object(Bucket=settings.photo_s3_bucket, Key=object_key)["Body"].read()


async def removals_done(app: FastAPI) -> None:
    """Wait for the removals a bucket store does after a commit, in threads of its own."""
    if isinstance(app.state.photo_storage, S3Storage):
        await app.state.photo_storage.settled()
