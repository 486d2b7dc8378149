"""A resident who erases their account leaves nothing behind that points to them: no photo (row or file), and no
rate-limit counter that names their phone; the counters never hold a phone number in plain text at all."""

import io

import httpx
import pytest
import redis.asyncio
from fastapi import FastAPI
from limits.aio.storage import MemoryStorage
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Feedback, FeedbackPhoto, FeedbackPhotoContent
from tests.conftest import AppFactory
from tests.databases import REDIS_URL
from tests.feedback.conftest import complaint_about, place_in, submit, upload
from tests.photo_stores import STORES, bucket_keys, removals_done, store_settings, stored_photo

PHONE, CODE = "13955501234", "246810"


async def _rate_limit_keys(app: FastAPI) -> list[str]:
    """Every key of this app's rate-limit store: scanned in Redis when the tests run on it, else in memory."""
    storage = app.state.accounts.limiter.storage
    if isinstance(storage, MemoryStorage):
        return [*storage.events, *storage.storage]
    client = redis.asyncio.from_url(REDIS_URL)
    try:
        prefix = app.state.settings.rate_limit_key_prefix
        return [key.decode() async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
    finally:
        await client.aclose()


async def _sign_in(client: httpx.AsyncClient) -> dict[str, str]:
    challenge = await client.post("/v1/auth/otp", json={"phone": PHONE})
    assert challenge.status_code == 202, challenge.text
    pair = await client.post(
        "/v1/auth/otp/verify", json={"challenge_id": challenge.json()["challenge_id"], "code": CODE}
    )
    assert pair.status_code == 200, pair.text
    return {"Authorization": f"Bearer {pair.json()['access_token']}"}


@pytest.mark.parametrize("photo_store", STORES)
async def test_erasing_an_account_removes_its_photos_and_the_counters_of_its_phone(
    make_app: AppFactory, session: AsyncSession, request: pytest.FixtureRequest, photo_store: str
) -> None:
    app = make_app(otp_test_numbers=f"{PHONE}:{CODE}", **store_settings(request, photo_store))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        headers = await _sign_in(client)
        keys = await _rate_limit_keys(app)
        assert any("otp-phone" in key for key in keys)  # the send was counted …
        assert not any(PHONE in key for key in keys), keys  # … under a key that does not show the phone

        feedback_id = (await submit(client, headers, complaint_about((await place_in(session, "310104")).id))).json()[
            "id"
        ]
        picture = io.BytesIO()
        Image.new("RGB", (120, 90), (200, 60, 60)).save(picture, "JPEG")
        photo = await upload(client, headers, feedback_id, picture.getvalue(), "door.jpg", "image/jpeg")
        assert photo.status_code == 201, photo.text
        key = (await session.execute(select(FeedbackPhoto.storage_key))).scalars().all()[-1]
        assert await stored_photo(app, session, key) is not None

        assert (await client.delete("/v1/me", headers=headers)).status_code == 204
        await removals_done(app)

    assert await session.scalar(select(func.count()).where(FeedbackPhoto.feedback_id == feedback_id)) == 0
    assert await session.scalar(select(func.count()).where(FeedbackPhotoContent.photo_id == photo.json()["id"])) == 0
    assert await stored_photo(app, session, key) is None
    if photo_store == "folder":
        assert list((app.state.settings.photo_storage_dir / str(feedback_id)).iterdir()) == []
    if photo_store == "s3":
        assert bucket_keys(app) == []
    assert not any("otp-phone" in key for key in await _rate_limit_keys(app))
    # The feedback itself stays, anonymous, for the statistics.
    assert (await session.get(Feedback, feedback_id)) is not None
