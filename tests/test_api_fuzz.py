"""Schemathesis over the app's own OpenAPI document: every operation, public, resident and staff, on each
database, answers no server error and only what its document promises (status, media type, body schema).

The requests run in process on the test's own transaction (one per operation, rolled back afterwards), on the
event loop that owns the test database's connections. Each operation is called with the token of the first role
its line in `tests/accounts/test_policy.py` allows, minted by the app's token code for accounts made here: the
fuzzer never learns their passwords or sign-in codes, so it cannot lock them out, and the sign-in operations are
fuzzed with identities of its own making. A feedback (with a photo and a notification) and two templates exist
before each operation; ids drawn in range are often turned into theirs (or the operator's listing), so that the
routes are fuzzed past their 404, and numbers now and then into ones no column can hold.
"""

import asyncio
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import urllib3
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.http import MAX_ID
from api.main import create_app
from models import Place, UserAccount
from tests.accounts.conftest import bearer, new_staff
from tests.accounts.test_policy import ALLOW, POLICY

SEED = 20_261_206
# Examples per operation in the fuzzing phase; the examples and coverage phases (boundary values, every
# documented enum, missing and wrong-typed fields) add their own, a bounded number per operation.
EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLE_ORDER = ("anonymous", "resident", "reviewer", "operator", "admin")

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "database": "none"},
        "base-url": "http://testserver",
    }
)


def _document() -> dict:
    """The OpenAPI document as the app serves it (building the app touches no database)."""
    return create_app(Settings(_env_file=None, app_env="test")).openapi()


schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


def role_for(operation: schemathesis.APIOperation) -> str:
    allowed = POLICY[f"{operation.method.upper()} {operation.path}"]
    return next(role for role in ROLE_ORDER if allowed[role] == ALLOW)


@dataclass
class Existing:
    """What exists when an operation is fuzzed: path parameters and body fields drawn in range often name it."""

    ids: dict[str, list[int]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)

    def pick(self, name: str, drawn: Any) -> Any:
        known = self.ids.get(name)
        if not known or type(drawn) is not int or not 1 <= drawn <= MAX_ID or drawn % 3 == 0:
            return drawn
        return known[drawn % len(known)]


EXISTING = Existing()
# The names of a body that hold an id of the same kind as a path parameter (a target's `id`: a listing's).
BODY_IDS = {"user_id": "user_id", "duplicate_of": "feedback_id", "template_id": "template_id", "id": "place_id"}
# Past PostgreSQL's integer, past a signed and past an unsigned 64-bit integer: what a column or a driver cannot
# hold must be refused as invalid, never reach them.
OVERSIZED = (2**31, 2**63, 2**64)


def _vary(name: str, value: Any) -> Any:
    """Now and then an oversized number, often an existing id, else the drawn value (nested values too)."""
    if isinstance(value, dict):
        return {key: _vary(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [_vary(name, item) for item in value]
    if type(value) is not int:
        return value
    if value % 4 == 3:
        return OVERSIZED[value % 3]
    return EXISTING.pick(BODY_IDS.get(name, name), value)


@schema.hook
def map_path_parameters(context: schemathesis.HookContext, path_parameters: dict[str, Any] | None) -> Any:
    return _vary("", path_parameters) if path_parameters else path_parameters


@schema.hook
def map_query(context: schemathesis.HookContext, query: dict[str, Any] | None) -> Any:
    return _vary("", query) if query else query


@schema.hook
def map_headers(context: schemathesis.HookContext, headers: dict[str, Any] | None) -> Any:
    # An edit with a drawn If-Match never passes its precondition: now and then "*" (any version) lets the drawn
    # merge patch reach the listing.
    if headers and isinstance(headers.get("If-Match"), str) and len(headers["If-Match"]) % 2 == 0:
        headers["If-Match"] = "*"
    return headers


@schema.hook
def map_body(context: schemathesis.HookContext, body: Any) -> Any:
    body = _vary("", body)
    name = body.get("name") if isinstance(body, dict) else None
    # A template's name taken by another one, now and then.
    if isinstance(name, str) and EXISTING.names and len(name) % 3 == 1:
        body["name"] = EXISTING.names[len(name) % len(EXISTING.names)]
    return body


class _LoopAdapter(requests.adapters.HTTPAdapter):
    """Sends schemathesis' requests to the app through httpx, on the event loop of the test database."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._client = client
        self._loop = loop

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self._loop.run_until_complete(
            self._client.request(
                request.method or "GET", request.url or "", headers=dict(request.headers), content=body
            )
        )
        # httpx has already undone any gzip: the headers go on as the app sent them, less that one.
        headers = [(name, value) for name, value in answer.headers.multi_items() if name != "content-encoding"]
        response = requests.Response()
        response.raw = urllib3.HTTPResponse(body=b"", headers=headers, status=answer.status_code, version=11)
        response.status_code = answer.status_code
        response.headers = requests.structures.CaseInsensitiveDict(headers)
        response._content = answer.content
        response.url = str(answer.url)
        response.request = request
        response.reason = answer.reason_phrase
        response.encoding = answer.encoding
        return response


@dataclass
class Caller:
    session: requests.Session
    headers: dict[str, dict[str, str]]

    def call(self, case: schemathesis.Case) -> schemathesis.Response:
        return case.call(session=self.session, headers=self.headers[role_for(case.operation)])


def _png() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(image, format="PNG")
    return image.getvalue()


@pytest.fixture
async def app_client(app: FastAPI) -> httpx.AsyncClient:
    # A server error is an answer to check, not an exception in the test.
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://testserver"
    )


@pytest.fixture
async def identities(app: FastAPI, session: AsyncSession, app_client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """Authorization headers per role, for accounts whose password the fuzzer never gets; and what they made."""
    now = datetime.now(UTC)
    resident = UserAccount(role="resident", phone="13955550000", created_at=now, updated_at=now)
    session.add(resident)
    await session.flush()
    headers: dict[str, dict[str, str]] = {"anonymous": {}, "resident": bearer(app, resident.id)}
    user_ids = [resident.id]
    for role in ("reviewer", "operator", "admin"):
        account = await new_staff(app, session, role, username=f"fuzz-{role}-{uuid.uuid4().hex[:8]}")
        headers[role] = bearer(app, account.id)
        if role != "admin":  # the fuzzer may change the accounts it names, but not the one it acts as
            user_ids.append(account.id)
    place_id = await session.scalar(
        select(Place.id).where(Place.district_code == "310104", Place.status == "published").order_by(Place.id)
    )
    await session.commit()

    async def made(method: str, url: str, role: str, **kwargs: Any) -> dict:
        answer = await app_client.request(method, url, headers={**headers[role], **kwargs.pop("headers", {})}, **kwargs)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    feedback = await made(
        "POST",
        "/v1/feedback",
        "resident",
        headers={"Idempotency-Key": uuid.uuid4().hex},
        json={
            "kind": "complaint",
            "target": {"kind": "place", "id": place_id},
            "title": "门口积水",
            "body": "门口积水很深，老人进出不便。",
        },
    )
    photo = await made(
        "POST", f"/v1/feedback/{feedback['id']}/photos", "resident", files={"file": ("a.png", _png(), "image/png")}
    )
    await made("POST", f"/v1/triage/feedback/{feedback['id']}/transition", "reviewer", json={"to": "accepted"})
    names = ["已受理", "已办结"]
    templates = [
        await made("POST", "/v1/triage/templates", "reviewer", json={"name": name, "body": f"您的反馈{name}。"})
        for name in names
    ]
    notifications = (await app_client.get("/v1/me/notifications", headers=headers["resident"])).json()["items"]
    EXISTING.ids = {
        "feedback_id": [feedback["id"]],
        "photo_id": [photo["id"]],
        "template_id": [template["id"] for template in templates],
        "notification_id": [item["id"] for item in notifications],
        "user_id": user_ids,
        "place_id": [place_id],
    }
    EXISTING.names = names
    return headers


@pytest.fixture
async def event_loop_of_database() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


@pytest.fixture
def caller(
    app_client: httpx.AsyncClient,
    identities: dict[str, dict[str, str]],
    event_loop_of_database: asyncio.AbstractEventLoop,
) -> Iterator[Caller]:
    with requests.Session() as http:
        http.mount("http://", _LoopAdapter(app_client, event_loop_of_database))
        yield Caller(http, identities)
    event_loop_of_database.run_until_complete(app_client.aclose())
    EXISTING.ids, EXISTING.names = {}, []


@schema.parametrize()
# The examples of one operation share its transaction and its accounts, as requests of one client would.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_every_operation_answers_as_documented(case: schemathesis.Case, caller: Caller) -> None:
    response = caller.call(case)
    case.validate_response(response, checks=CHECKS)
