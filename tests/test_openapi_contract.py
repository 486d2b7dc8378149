"""What the OpenAPI document tells a new client about what it must send: a required Idempotency-Key, examples of
the request bodies that had to be guessed, and why the sync lags writes."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from api.feedback.schemas import AssignRequest, FeedbackCreate, ReplyRequest
from api.search.sync.service import SETTLE
from models import UserAccount
from tests.accounts.conftest import bearer


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/openapi.json")).json()


def examples_of(spec: dict[str, Any], schema: str) -> list[dict[str, Any]]:
    return spec["components"]["schemas"][schema].get("examples", [])


async def test_the_idempotency_key_of_a_feedback_is_documented_as_required(
    spec: dict[str, Any], client: httpx.AsyncClient
) -> None:
    parameters = spec["paths"]["/v1/feedback"]["post"]["parameters"]
    keys = [parameter for parameter in parameters if parameter["name"] == "Idempotency-Key"]
    assert len(keys) == 1 and keys[0]["in"] == "header" and keys[0]["required"] is True
    # As it is: a feedback without one is refused.
    refused = await client.post("/v1/feedback", json={})
    assert refused.status_code in (400, 401)


async def test_the_sync_says_that_it_withholds_writes_and_why(spec: dict[str, Any]) -> None:
    description = spec["paths"]["/v1/sync"]["get"]["description"]
    assert f"first {SETTLE.seconds} seconds" in description
    assert "commits" in description and "next_since" in description


async def test_the_bodies_a_new_client_had_to_guess_carry_examples(spec: dict[str, Any]) -> None:
    assign, reply = examples_of(spec, "AssignRequest"), examples_of(spec, "ReplyRequest")
    assert any("user_id" in example for example in assign)
    assert any("message" in example for example in reply)
    feedback = examples_of(spec, "FeedbackCreate")
    map_points = [example for example in feedback if "location" in example and "coord" in example]
    assert map_points and all("target" not in example for example in map_points)
    bundles = [example for example in feedback if example.get("target", {}).get("kind") == "bundle"]
    assert bundles and all(isinstance(example["target"]["id"], str) for example in bundles)
    bundle_target = examples_of(spec, "TargetRef")
    assert {"kind": "bundle", "id": "residence_permit"} in bundle_target
    # Every example is a body the API accepts as it stands.
    for model, examples in ((AssignRequest, assign), (ReplyRequest, reply), (FeedbackCreate, feedback)):
        for example in examples:
            model.model_validate(example)


async def test_the_map_point_and_bundle_examples_are_accepted_as_sent(
    app: FastAPI, client: httpx.AsyncClient, session: AsyncSession, spec: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    resident = UserAccount(role="resident", phone="13966660000", created_at=now, updated_at=now)
    session.add(resident)
    await session.commit()
    headers = bearer(app, resident.id)
    # Listing ids differ from one database to another; a map point and a bundle code do not.
    sent = [example for example in examples_of(spec, "FeedbackCreate") if "place" not in str(example.get("target"))]
    assert len(sent) >= 2
    for example in sent:
        answer = await client.post(
            "/v1/feedback", json=example, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
        )
        assert answer.status_code == 201, (example, answer.text)


CURATION_ENDPOINTS = [
    ("get", "/v1/manage/places"),
    ("post", "/v1/manage/places"),
    ("get", "/v1/manage/places/{place_id}"),
    ("patch", "/v1/manage/places/{place_id}"),
    ("post", "/v1/manage/places/{place_id}/publish"),
    ("post", "/v1/manage/places/{place_id}/archive"),
    ("post", "/v1/manage/places/{place_id}/restore"),
    ("post", "/v1/manage/places/{place_id}/verify"),
    ("get", "/v1/manage/places/{place_id}/history"),
    ("post", "/v1/manage/places/{place_id}/revert"),
    ("put", "/v1/manage/places/{place_id}/availability"),
    ("put", "/v1/manage/availability"),
    ("post", "/v1/manage/imports"),
    ("get", "/v1/manage/imports/{job_id}"),
    ("get", "/v1/manage/places/export"),
    ("get", "/v1/manage/corrections"),
    ("post", "/v1/manage/corrections/{feedback_id}/apply"),
    ("post", "/v1/manage/corrections/{feedback_id}/decline"),
    ("post", "/v1/manage/events"),
    ("patch", "/v1/manage/events/{event_id}"),
    ("post", "/v1/manage/events/{event_id}/publish"),
    ("post", "/v1/manage/events/{event_id}/cancel"),
    ("get", "/v1/manage/events/{event_id}/history"),
    ("post", "/v1/manage/articles"),
    ("post", "/v1/manage/bundles"),
    ("post", "/v1/admin/api-keys"),
]


async def test_every_curation_endpoint_of_the_contract_is_documented(spec: dict[str, Any]) -> None:
    for method, path in CURATION_ENDPOINTS:
        operation = spec["paths"].get(path, {}).get(method)
        assert operation is not None, (method, path)
        assert operation.get("summary") and operation.get("responses"), (method, path)
        assert any(code.startswith("4") for code in operation["responses"]), (method, path)
    # An edit is a merge patch, and says so.
    for path in ("/v1/manage/places/{place_id}", "/v1/manage/events/{event_id}"):
        assert "application/merge-patch+json" in spec["paths"][path]["patch"]["requestBody"]["content"]
