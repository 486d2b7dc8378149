"""Liveness, readiness, metrics and the problem+json contract for whatever goes wrong."""

import httpx

from api.config import Settings
from api.db import Database
from api.main import create_app


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_readyz_is_503_problem_when_the_database_is_unreachable(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", app_env="test")
    app = create_app(settings)
    app.state.database = Database(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/readyz")
    finally:
        await app.state.database.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "database_unavailable"


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/v1/districts")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'svcdir_http_requests_total{method="GET",route="/v1/districts",status="200"}' in response.text


async def test_unknown_path_is_problem_json_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "not_found" and body["status"] == 404 and body["title"] and body["type"]


async def test_wrong_method_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.delete("/v1/districts")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert made.headers["x-request-id"] != "<script>" and len(made.headers["x-request-id"]) == 32


async def test_openapi_documents_every_route_with_a_readable_operation_id(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation_ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert "list_places" in operation_ids and "get_place" in operation_ids
    assert all("_v1_" not in operation_id for operation_id in operation_ids)
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_openapi_documents_every_error_as_the_problem_json_it_is(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, path_item in spec["paths"].items():
        for method, operation in path_item.items():
            errors = {status: answer for status, answer in operation["responses"].items() if status[0] in "45"}
            assert operation["responses"]["default"]["content"] == problem, (method, path)
            assert all(answer["content"] == problem for answer in errors.values()), (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    # What is sent matches what is documented.
    sent = await client.get("/v1/places", params={"limit": 0})
    assert sent.headers["content-type"] == "application/problem+json"
    documented = spec["components"]["schemas"]["Problem"]
    assert set(documented["required"]) <= set(sent.json()) <= set(documented["properties"])


async def test_unexpected_failure_is_a_problem_without_internals(app) -> None:  # noqa: ANN001
    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string postgres://admin:pw@db")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "internal_error"
    assert "secret" not in response.text


async def test_real_sessions_read_and_write_outside_the_test_transaction(app) -> None:  # noqa: ANN001
    # Without the test overrides: the autocommit read session and the unit-of-work session of production.
    app.dependency_overrides.clear()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        districts = await client.get("/v1/districts")
        search = await client.get("/v1/places", params={"q": "厕所", "limit": 5})
        guide = await client.post("/v1/bundles/residence_permit/guide", json={"answers": {}})
    assert districts.status_code == 200 and len(districts.json()["items"]) == 16
    assert search.status_code == 200 and len(search.json()["items"]) == 5
    assert guide.status_code == 200
