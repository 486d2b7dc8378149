"""Where residents' photos are kept (PHOTO_STORE): a folder of one machine's disk, the database, or an S3-compatible
bucket (Aliyun OSS, Tencent COS, MinIO …) that every instance reaches.

Whichever it is, a stored photo never outlives its row and a row never points to a missing photo. The database
store gets both from the transaction itself. The folder and the bucket write the photo before the row commits and
remove it when the transaction does not commit; the photos of rows deleted in a transaction are removed only once
it commits. A process that dies between writing a photo and committing its row leaves an orphan: the upkeep round
removes photos older than ORPHAN_AGE that no row names (`remove_orphans`)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import boto3
import structlog
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import delete, event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from api.config import Settings
from api.errors import AppError, ServiceUnavailable
from models import Feedback, FeedbackPhoto, FeedbackPhotoContent

logger = structlog.get_logger(__name__)

# Far longer than any upload's transaction lasts: a photo this old that no row names will never get one.
ORPHAN_AGE = timedelta(hours=1)
SWEEP_BATCH = 500


class PhotoContentMissing(AppError):
    status, code, title = 404, "photo_content_missing", "The photo's content is not in the photo store"


class PhotoStoreUnavailable(ServiceUnavailable):
    code, title = "photo_store_unavailable", "The photo store does not answer"


class PhotoStorage(Protocol):
    async def save(self, session: AsyncSession, photo: FeedbackPhoto, content: bytes) -> None:
        """Store the content of a flushed photo row, kept only if the session's transaction commits."""
        ...

    async def load(self, session: AsyncSession, photo: FeedbackPhoto) -> bytes: ...

    def discard(self, key: str) -> None:
        """Remove the photo if it is there (called when a transaction ends, so it must not wait on anything)."""
        ...

    def stored_before(self, cutoff: datetime) -> AsyncIterator[list[str]]:
        """The keys of photos stored before `cutoff`, in batches."""
        ...

    async def remove(self, keys: list[str]) -> None: ...


class LocalFolderStorage:
    """One machine's disk: for a single instance (the embedded SQLite mode)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("storage keys stay inside the storage folder")
        return path

    async def save(self, session: AsyncSession, photo: FeedbackPhoto, content: bytes) -> None:
        remove_unless_committed(session, self, photo.storage_key)
        await asyncio.to_thread(self._write, self._path(photo.storage_key), content)

    async def load(self, session: AsyncSession, photo: FeedbackPhoto) -> bytes:
        try:
            return await asyncio.to_thread(self._path(photo.storage_key).read_bytes)
        except FileNotFoundError as error:
            raise PhotoContentMissing() from error

    def discard(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[list[str]]:
        keys = await asyncio.to_thread(self._keys_before, cutoff.timestamp())
        for start in range(0, len(keys), SWEEP_BATCH):
            yield keys[start : start + SWEEP_BATCH]

    async def remove(self, keys: list[str]) -> None:
        await asyncio.to_thread(lambda: [self.discard(key) for key in keys])

    def _keys_before(self, cutoff: float) -> list[str]:
        if not self.root.is_dir():
            return []
        return [
            path.relative_to(self.root).as_posix()
            for path in self.root.rglob("*")
            if path.is_file() and path.stat().st_mtime < cutoff
        ]

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)  # readers never see half a file


class DatabaseStorage:
    """The bytes in `feedback_photo_content`, written in the row's transaction and deleted with the row (ON DELETE
    CASCADE): every instance on the database sees them, and nothing is ever left to remove."""

    async def save(self, session: AsyncSession, photo: FeedbackPhoto, content: bytes) -> None:
        session.add(FeedbackPhotoContent(photo_id=photo.id, content=content))
        await session.flush()

    async def load(self, session: AsyncSession, photo: FeedbackPhoto) -> bytes:
        content = await session.scalar(
            select(FeedbackPhotoContent.content).where(FeedbackPhotoContent.photo_id == photo.id)
        )
        if content is None:
            raise PhotoContentMissing()
        return content

    def discard(self, key: str) -> None:
        """Nothing to do: the bytes went with the row, or never were, as the transaction decided."""

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[list[str]]:
        return
        yield  # an async generator that yields nothing: no content row can lack its photo row

    async def remove(self, keys: list[str]) -> None:
        """Nothing to do (see `discard`)."""


class S3Storage:
    """An S3-compatible bucket, through boto3. Its calls block, so they run in threads, never on the event loop;
    removals after a transaction ends are handed to threads of their own and not waited for."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:  # noqa: ANN401 - boto3 clients are untyped
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self._removals = ThreadPoolExecutor(max_workers=4, thread_name_prefix="photo-removal")
        self._pending: set[Future[None]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Storage":
        config = Config(
            s3={"addressing_style": settings.photo_s3_addressing_style},
            signature_version="s3v4",
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Checksums only where the S3 API demands them: several S3-compatible services refuse the ones newer
            # boto3 versions add to every upload.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.photo_s3_endpoint_url,
            region_name=settings.photo_s3_region,
            aws_access_key_id=settings.photo_s3_access_key_id,
            aws_secret_access_key=(
                settings.photo_s3_secret_access_key.get_secret_value() if settings.photo_s3_secret_access_key else None
            ),
            config=config,
        )
        assert settings.photo_s3_bucket  # Settings refuses PHOTO_STORE=s3 without one
        return cls(client, settings.photo_s3_bucket, settings.photo_s3_prefix)

    def object_key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    async def save(self, session: AsyncSession, photo: FeedbackPhoto, content: bytes) -> None:
        remove_unless_committed(session, self, photo.storage_key)
        await self._call(
            self.client.put_object,
            Bucket=self.bucket,
            Key=self.object_key(photo.storage_key),
            Body=content,
            ContentType=photo.content_type,
        )

    async def load(self, session: AsyncSession, photo: FeedbackPhoto) -> bytes:
        def read() -> bytes:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(photo.storage_key))
            with answer["Body"] as body:
                return body.read()

        try:
            return await self._call(read)
        except PhotoStoreUnavailable as error:
            if _is_missing(error.__cause__):
                raise PhotoContentMissing() from error
            raise

    def discard(self, key: str) -> None:
        removal = self._removals.submit(self._delete, self.object_key(key))
        self._pending.add(removal)
        removal.add_done_callback(self._removal_done)

    async def settled(self) -> None:
        """Wait until the removals handed to threads so far are done."""
        while self._pending:
            await asyncio.gather(
                *(asyncio.wrap_future(removal) for removal in list(self._pending)), return_exceptions=True
            )

    async def stored_before(self, cutoff: datetime) -> AsyncIterator[list[str]]:
        pages = iter(self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix))
        while (page := await self._call(next, pages, None)) is not None:
            keys = [
                entry["Key"].removeprefix(self.prefix)
                for entry in page.get("Contents", ())
                if entry["LastModified"] < cutoff
            ]
            if keys:
                yield keys

    async def remove(self, keys: list[str]) -> None:
        # One request per object: several S3-compatible services refuse the checksums of a batch delete.
        await self._call(lambda: [self._delete(self.object_key(key)) for key in keys])

    def _delete(self, object_key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=object_key)

    def _removal_done(self, removal: Future[None]) -> None:
        self._pending.discard(removal)
        if removal.exception() is not None:
            # The upkeep round's orphan sweep removes it later.
            logger.warning("photo_removal_failed", error=str(removal.exception()))

    @staticmethod
    async def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except (BotoCoreError, ClientError) as error:
            raise PhotoStoreUnavailable() from error


def _is_missing(error: BaseException | None) -> bool:
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


def storage_for(settings: Settings) -> PhotoStorage:
    if settings.photo_store == "s3":
        return S3Storage.from_settings(settings)
    if settings.photo_store == "database":
        return DatabaseStorage()
    return LocalFolderStorage(settings.photo_storage_dir)


def new_key(feedback_id: int, extension: str) -> str:
    return f"{feedback_id}/{uuid.uuid4().hex}.{extension}"


async def remove_all_of_author(session: AsyncSession, storage: PhotoStorage, author_id: int) -> None:
    """Every photo on the author's feedback: rows now, photos once the transaction commits."""
    of_author = select(Feedback.id).where(Feedback.author_id == author_id)
    keys = (
        await session.execute(select(FeedbackPhoto.storage_key).where(FeedbackPhoto.feedback_id.in_(of_author)))
    ).scalars()
    remove_once_committed(session, storage, list(keys))
    await session.execute(
        delete(FeedbackPhoto)
        .where(FeedbackPhoto.feedback_id.in_(of_author))
        .execution_options(synchronize_session=False)
    )


async def remove_orphans(session: AsyncSession, storage: PhotoStorage, now: datetime | None = None) -> int:
    """Remove the photos stored over ORPHAN_AGE ago that no row names (their upload's process died before its
    commit, or a removal after a commit failed); how many. Safe to repeat, and to run beside uploads."""
    removed = 0
    async for keys in storage.stored_before((now or datetime.now(UTC)) - ORPHAN_AGE):
        named = set(
            (await session.execute(select(FeedbackPhoto.storage_key).where(FeedbackPhoto.storage_key.in_(keys))))
            .scalars()
            .all()
        )
        orphans = [key for key in keys if key not in named]
        if orphans:
            await storage.remove(orphans)
            removed += len(orphans)
    return removed


_WRITTEN = "photo_files_written"  # written in this transaction: removed unless it commits
_DROPPED = "photo_files_dropped"  # rows deleted in this transaction: removed once it commits


def remove_unless_committed(session: AsyncSession, storage: PhotoStorage, key: str) -> None:
    session.info.setdefault(_WRITTEN, []).append((storage, key))


def remove_once_committed(session: AsyncSession, storage: PhotoStorage, keys: Iterable[str]) -> None:
    session.info.setdefault(_DROPPED, []).extend((storage, key) for key in keys)


@event.listens_for(Session, "after_commit")
def _files_follow_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for storage, key in session.info.pop(_DROPPED, ()):
        storage.discard(key)


@event.listens_for(Session, "after_transaction_end")
def _files_follow_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for storage, key in session.info.pop(_WRITTEN, ()):
        storage.discard(key)
    session.info.pop(_DROPPED, None)
