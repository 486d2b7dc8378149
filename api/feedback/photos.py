"""Residents' photos: real images only, re-encoded without any metadata (EXIF, GPS, text chunks, ICC), stored
through a pluggable storage (a local folder by default)."""

import asyncio
import io
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from api.errors import AppError
from api.request_guards import PayloadTooLarge

MAX_BYTES = 5 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # boundaries and part headers around the file
MAX_PHOTOS = 6
MAX_PIXELS = 40_000_000  # a 5 MiB file that decodes to more is a decompression bomb
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported_media_type", "Only JPEG, PNG and WebP photos are accepted"


class PhotoTooLarge(PayloadTooLarge):
    title = "A photo may be at most 5 MiB"


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean_image(data: bytes, declared_type: str | None) -> CleanImage:
    """Decode the upload, check it is what it says, and encode its pixels afresh with no metadata at all."""
    if len(data) > MAX_BYTES:
        raise PhotoTooLarge()
    expected = FORMATS.get((declared_type or "").split(";")[0].strip().lower())
    if expected is None:
        raise UnsupportedMediaType(f"{declared_type or 'this type'} is not accepted; send JPEG, PNG or WebP")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            actual = probe.format
            if probe.width * probe.height > MAX_PIXELS:
                raise UnsupportedMediaType("the image is too large in pixels")
            probe.load()
            upright = ImageOps.exif_transpose(probe)  # keep how the photo looked, then drop the EXIF itself
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType("the file is not a readable image") from exc
    if actual != expected:
        raise UnsupportedMediaType(f"the file is {actual or 'not an image'}, not {declared_type}")
    mode = "RGB" if expected == "JPEG" else ("RGBA" if "A" in upright.getbands() else "RGB")
    if upright.mode not in ("L", mode):
        upright = upright.convert(mode)
    # A new image from raw pixels carries no info dictionary: nothing of the original's metadata can follow.
    pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    buffer = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {"quality": 85}}
    pixels.save(buffer, format=expected, **options[expected])
    return CleanImage(
        buffer.getvalue(),
        f"image/{EXTENSIONS[expected].replace('jpg', 'jpeg')}",
        EXTENSIONS[expected],
        pixels.width,
        pixels.height,
    )


class PhotoStorage(Protocol):
    async def save(self, key: str, content: bytes) -> None: ...

    async def load(self, key: str) -> bytes: ...


class LocalFolderStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("storage keys stay inside the storage folder")
        return path

    async def save(self, key: str, content: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), content)

    async def load(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(content)
        temporary.replace(path)  # readers never see half a file


def new_key(feedback_id: int, extension: str) -> str:
    return f"{feedback_id}/{uuid.uuid4().hex}.{extension}"
