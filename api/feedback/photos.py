"""Residents' photos: real images only, decoded off the event loop within a pixel cap, stored as a downscaled JPEG
with no metadata at all (EXIF, GPS, text chunks, ICC). Where they are kept: api/feedback/photo_stores.py."""

import asyncio
import io
import math
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

from api.errors import AppError, ServiceUnavailable
from api.request_guards import PayloadTooLarge

register_heif_opener(thumbnails=False)

MAX_BYTES = 5 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024  # boundaries and part headers around the file
MAX_PHOTOS = 6
# A phone's own photos fit (12 MP, and the 24 MP of 5712 × 4284 that recent phones save by default); a small file
# that declares more is a decompression bomb, refused from its header before any pixel is decoded.
MAX_PIXELS = 25_000_000
STORED_LONG_SIDE = 2048  # plenty to read a sign or see a broken paving stone on a phone screen
STORED_MAX_BYTES = 1024 * 1024
# Decoding is CPU and memory heavy: a few at a time, in threads (Pillow and libheif release the GIL), never on the
# event loop, so that one photo cannot hold up every other request.
IMAGE_WORKERS = 2
# Uploads waiting for a worker or being decoded, in this process. Past it an upload is refused at once (503
# `photo_queue_full`) instead of queueing: a burst of large uploads then neither piles up their bytes in memory
# nor pushes everyone's photos back without end.
MAX_DECODING_UPLOADS = IMAGE_WORKERS * 4
QUEUE_FULL_RETRY_AFTER_SECONDS = 5
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF", "image/heif": "HEIF"}
STORED_TYPE, STORED_EXTENSION = "image/jpeg", "jpg"

_workers = ThreadPoolExecutor(max_workers=IMAGE_WORKERS, thread_name_prefix="photo")
_decoding_uploads = 0  # counted on the event loop only, so checking and counting are one step


class UnsupportedMediaType(AppError):
    status, code, title = 415, "unsupported_media_type", "Only JPEG, PNG, WebP and HEIC photos are accepted"


class PhotoTooLarge(PayloadTooLarge):
    title = "A photo may be at most 5 MiB"


class ImageTooLarge(AppError):
    status, code, title = 413, "image_too_large", f"A photo may have at most {MAX_PIXELS // 1_000_000} megapixels"


class PhotoQueueFull(ServiceUnavailable):
    code, title = "photo_queue_full", "Too many photos are being processed right now; try again shortly"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(QUEUE_FULL_RETRY_AFTER_SECONDS)})


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


async def clean_image_off_loop(data: bytes, declared_type: str | None) -> CleanImage:
    """`clean_image` in one of the image workers; the request waits there, the event loop does not. Refused with
    PhotoQueueFull while MAX_DECODING_UPLOADS are waiting for or in decoding."""
    global _decoding_uploads  # noqa: PLW0603 - one count for the process's one pool of image workers
    if _decoding_uploads >= MAX_DECODING_UPLOADS:
        raise PhotoQueueFull()
    _decoding_uploads += 1
    try:
        return await asyncio.get_running_loop().run_in_executor(_workers, clean_image, data, declared_type)
    finally:
        _decoding_uploads -= 1


def decoding_uploads() -> int:
    """How many uploads are waiting for or in decoding now."""
    return _decoding_uploads


def clean_image(data: bytes, declared_type: str | None) -> CleanImage:
    """Check the upload is a complete image of the declared type within the pixel cap, and encode its pixels
    afresh, upright, downscaled and as a JPEG within STORED_MAX_BYTES, with no metadata at all."""
    if len(data) > MAX_BYTES:
        raise PhotoTooLarge()
    expected = FORMATS.get((declared_type or "").split(";")[0].strip().lower())
    if expected is None:
        raise UnsupportedMediaType(f"{declared_type or 'this type'} is not accepted; send JPEG, PNG, WebP or HEIC")
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:  # reads the header only
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageTooLarge(
                    f"the image has {probe.width} × {probe.height} pixels; at most {MAX_PIXELS:,} are accepted"
                )
            if expected == "JPEG":
                probe.draft("RGB", (STORED_LONG_SIDE, STORED_LONG_SIDE))  # decode at the smallest scale needed
            probe.load()
            if expected == "PNG" and not _png_pixels_complete(data):
                raise UnsupportedMediaType("the image is truncated: its pixel data ends early")
            upright = ImageOps.exif_transpose(probe)  # keep how the photo looked, then drop the EXIF itself
            pixels = _opaque(upright)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as exc:
        raise UnsupportedMediaType(f"the file is not a complete, readable {declared_type} image") from exc
    pixels.thumbnail((STORED_LONG_SIDE, STORED_LONG_SIDE), Image.Resampling.LANCZOS)
    # A new image from raw pixels carries no info dictionary: nothing of the original's metadata can follow.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    content = _jpeg_within_limit(fresh)
    return CleanImage(content, STORED_TYPE, STORED_EXTENSION, fresh.width, fresh.height)


def _opaque(image: Image.Image) -> Image.Image:
    """RGB (or grey) pixels; transparent parts shown on white, as an app shows them."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _jpeg_within_limit(image: Image.Image) -> bytes:
    quality = 85
    while True:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True)
        if buffer.tell() <= STORED_MAX_BYTES:
            return buffer.getvalue()
        if quality > 55:
            quality -= 15
        else:  # noise-like pictures stay large at any quality: fewer pixels then
            image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)))


_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _png_pixels_complete(data: bytes) -> bool:
    """Whether the PNG's compressed pixel data holds every row its header declares. Pillow fills the rows of a
    stream that ends early with zeros without a word, so a few bytes could pass for a picture of any size."""
    width, height, depth, colour, _, _, interlaced = struct.unpack(">IIBBBBB", data[16:29])
    bits = depth * _PNG_CHANNELS.get(colour, 4)
    passes = _ADAM7 if interlaced else ((0, 0, 1, 1),)
    needed = 0
    for x0, y0, dx, dy in passes:
        columns, rows = math.ceil(max(0, width - x0) / dx), math.ceil(max(0, height - y0) / dy)
        if columns and rows:
            needed += rows * (1 + math.ceil(columns * bits / 8))
    stream, produced, offset = zlib.decompressobj(), 0, 8
    while offset + 8 <= len(data) and produced < needed:
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if kind == b"IDAT":
            pending = data[offset + 8 : offset + 8 + length]
            while pending and produced < needed:
                produced += len(stream.decompress(pending, 1 << 20))
                pending = stream.unconsumed_tail
        offset += 12 + length
    return produced >= needed
