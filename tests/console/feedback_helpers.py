"""What the feedback team's browser tests share: a resident's feedback sent through the API as the app sends it,
a place of a district to send it about, reply templates, and the staff's moves made through the services."""

import io
import uuid

import httpx
from PIL import Image
from playwright.async_api import Page

from api.db import Database
from api.deps import Principal
from api.feedback import templates, triage
from tests.console.browser import StaffLogin, resident_token
from tests.feedback.conftest import place_in


async def place_of(database: Database, district: str) -> int:
    async with database.sessionmaker() as session:
        return (await place_in(session, district)).id


async def send_feedback(api: httpx.AsyncClient, phone: str, body: dict) -> tuple[dict, dict[str, str]]:
    """The resident's feedback as the app sends it (POST /v1/feedback with an Idempotency-Key): its answer, and
    the resident's headers for what they do next."""
    headers = {"Authorization": f"Bearer {await resident_token(api, phone)}"}
    answer = await api.post("/v1/feedback", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code == 201, answer.text
    return answer.json(), headers


def complaint(place_id: int, title: str, body: str) -> dict:
    return {"kind": "complaint", "target": {"kind": "place", "id": place_id}, "title": title, "body": body}


def principal_of(login: StaffLogin) -> Principal:
    return Principal(login.user_id, login.role, frozenset(login.districts))


async def new_template(database: Database, author: StaffLogin, name: str, body: str, kind: str = "complaint") -> int:
    async with database.sessionmaker() as session, session.begin():
        return (await templates.create(session, principal_of(author), name, kind, body)).id


async def move(database: Database, reviewer: StaffLogin, feedback_id: int, *targets: str, reply: str = "") -> None:
    """The team's moves made through the service, for a test whose subject is elsewhere."""
    for target in targets:
        async with database.sessionmaker() as session, session.begin():
            await triage.transition(
                session,
                principal_of(reviewer),
                feedback_id,
                target,
                public_reply=reply or None if target in ("resolved", "rejected") else None,
                note=None,
                duplicate_of=None,
            )


async def csrf_of(page: Page) -> str:
    return await page.locator("input[name=csrf_token]").first.get_attribute("value") or ""


async def send_photo(api: httpx.AsyncClient, resident: dict[str, str], feedback_id: int) -> None:
    """A small photo, added by the resident as the app adds one."""
    picture = io.BytesIO()
    Image.new("RGB", (160, 120), (200, 120, 40)).save(picture, "PNG")
    answer = await api.post(
        f"/v1/feedback/{feedback_id}/photos",
        files={"file": ("manhole.png", picture.getvalue(), "image/png")},
        headers=resident,
    )
    assert answer.status_code == 201, answer.text
