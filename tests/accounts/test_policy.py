"""Every route of the app against a written policy: who may call it, and what everyone else gets.

A route missing from POLICY fails this test, so no endpoint ships without a decision about who may use it.
"""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Article, Bundle, Event, Place
from tests.accounts.conftest import StaffFactory, bearer

ROLES = ("anonymous", "resident", "operator", "reviewer", "admin")
ALLOW = "allow"
PUBLIC = dict.fromkeys(ROLES, ALLOW)
SIGNED_IN = {**dict.fromkeys(ROLES, ALLOW), "anonymous": 401}
RESIDENTS = {"anonymous": 401, "resident": ALLOW, "operator": 403, "reviewer": 403, "admin": 403}
REVIEWERS = {"anonymous": 401, "resident": 403, "operator": 403, "reviewer": ALLOW, "admin": ALLOW}
REVIEWERS_ONLY = {"anonymous": 401, "resident": 403, "operator": 403, "reviewer": ALLOW, "admin": 403}
AUTHORS_AND_TEAM = {"anonymous": 401, "resident": ALLOW, "operator": 403, "reviewer": ALLOW, "admin": ALLOW}
OPERATORS = {"anonymous": 401, "resident": 403, "operator": ALLOW, "reviewer": 403, "admin": ALLOW}
ADMINS = {"anonymous": 401, "resident": 403, "operator": 403, "reviewer": 403, "admin": ALLOW}
STAFF = {"anonymous": 401, "resident": 403, "operator": ALLOW, "reviewer": ALLOW, "admin": ALLOW}

POLICY: dict[str, dict[str, object]] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /metrics": PUBLIC,
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    "GET /v1/districts": PUBLIC,
    "GET /v1/districts/{district_code}/streets": PUBLIC,
    "GET /v1/categories": PUBLIC,
    "GET /v1/places": PUBLIC,
    "GET /v1/places/{place_id}": PUBLIC,
    "GET /v1/places/{place_id}/nearby": PUBLIC,
    "GET /v1/events": PUBLIC,
    "GET /v1/events/{event_id}": PUBLIC,
    "GET /v1/articles": PUBLIC,
    "GET /v1/articles/{article_id}": PUBLIC,
    "GET /v1/bundles": PUBLIC,
    "GET /v1/bundles/{bundle_code}": PUBLIC,
    "POST /v1/bundles/{bundle_code}/guide": PUBLIC,
    "GET /v1/sync": PUBLIC,
    "GET /v1/search": PUBLIC,
    "POST /v1/auth/otp": PUBLIC,
    "POST /v1/auth/otp/verify": PUBLIC,
    "POST /v1/auth/login": PUBLIC,
    "POST /v1/auth/refresh": PUBLIC,
    "POST /v1/auth/logout": PUBLIC,
    "GET /v1/me": SIGNED_IN,
    "DELETE /v1/me": RESIDENTS,
    "POST /v1/me/password": STAFF,
    "GET /v1/admin/users": ADMINS,
    "POST /v1/admin/users": ADMINS,
    "GET /v1/admin/users/{user_id}": ADMINS,
    "PATCH /v1/admin/users/{user_id}": ADMINS,
    "GET /v1/admin/audit": ADMINS,
    "GET /v1/calendar": PUBLIC,
    "PUT /v1/admin/calendar/{year}": ADMINS,
    "GET /v1/manage/places": OPERATORS,
    "POST /v1/manage/places": OPERATORS,
    "GET /v1/manage/places/{place_id}": OPERATORS,
    "PATCH /v1/manage/places/{place_id}": OPERATORS,
    "POST /v1/manage/places/{place_id}/publish": OPERATORS,
    "POST /v1/manage/places/{place_id}/archive": OPERATORS,
    "POST /v1/manage/places/{place_id}/restore": OPERATORS,
    "POST /v1/manage/places/{place_id}/verify": OPERATORS,
    "GET /v1/manage/places/{place_id}/history": OPERATORS,
    "POST /v1/manage/places/{place_id}/revert": OPERATORS,
    "PUT /v1/manage/places/{place_id}/availability": OPERATORS,
    "GET /v1/manage/corrections": OPERATORS,
    "POST /v1/manage/corrections/{feedback_id}/apply": OPERATORS,
    "POST /v1/manage/corrections/{feedback_id}/decline": OPERATORS,
    # Also open to a feed key (X-API-Key), which opens nothing else: tests/curation/test_live_figures.py.
    "PUT /v1/manage/availability": OPERATORS,
    "POST /v1/admin/api-keys": ADMINS,
    "GET /v1/admin/api-keys": ADMINS,
    "DELETE /v1/admin/api-keys/{key_id}": ADMINS,
    "GET /v1/manage/events": OPERATORS,
    "POST /v1/manage/events": OPERATORS,
    "GET /v1/manage/events/{event_id}": OPERATORS,
    "PATCH /v1/manage/events/{event_id}": OPERATORS,
    "GET /v1/manage/events/{event_id}/history": OPERATORS,
    "POST /v1/manage/events/{event_id}/archive": OPERATORS,
    "POST /v1/manage/events/{event_id}/cancel": OPERATORS,
    "POST /v1/manage/events/{event_id}/publish": OPERATORS,
    "POST /v1/manage/events/{event_id}/restore": OPERATORS,
    "POST /v1/manage/events/{event_id}/revert": OPERATORS,
    "GET /v1/manage/articles": ADMINS,
    "POST /v1/manage/articles": ADMINS,
    "GET /v1/manage/articles/{article_id}": ADMINS,
    "PATCH /v1/manage/articles/{article_id}": ADMINS,
    "GET /v1/manage/articles/{article_id}/history": ADMINS,
    "POST /v1/manage/articles/{article_id}/archive": ADMINS,
    "POST /v1/manage/articles/{article_id}/publish": ADMINS,
    "POST /v1/manage/articles/{article_id}/restore": ADMINS,
    "POST /v1/manage/articles/{article_id}/revert": ADMINS,
    "GET /v1/manage/bundles": ADMINS,
    "POST /v1/manage/bundles": ADMINS,
    "GET /v1/manage/bundles/{bundle_code}": ADMINS,
    "PATCH /v1/manage/bundles/{bundle_code}": ADMINS,
    "GET /v1/manage/bundles/{bundle_code}/history": ADMINS,
    "POST /v1/manage/bundles/{bundle_code}/archive": ADMINS,
    "POST /v1/manage/bundles/{bundle_code}/publish": ADMINS,
    "POST /v1/manage/bundles/{bundle_code}/restore": ADMINS,
    "POST /v1/manage/bundles/{bundle_code}/revert": ADMINS,
    "POST /v1/manage/imports": OPERATORS,
    "GET /v1/manage/imports": OPERATORS,
    "GET /v1/manage/imports/{job_id}": OPERATORS,
    "GET /v1/manage/places/export": OPERATORS,
    "POST /v1/feedback": RESIDENTS,
    "GET /v1/me/feedback": RESIDENTS,
    "GET /v1/feedback/{feedback_id}": RESIDENTS,
    "POST /v1/feedback/{feedback_id}/photos": RESIDENTS,
    "GET /v1/feedback/{feedback_id}/photos/{photo_id}": AUTHORS_AND_TEAM,
    "POST /v1/feedback/{feedback_id}/rating": RESIDENTS,
    "POST /v1/feedback/{feedback_id}/reopen": RESIDENTS,
    "GET /v1/me/notifications": RESIDENTS,
    "POST /v1/me/notifications/{notification_id}/read": RESIDENTS,
    "POST /v1/me/notifications/read": RESIDENTS,
    "GET /v1/stats/feedback": PUBLIC,
    "GET /v1/triage/feedback": REVIEWERS,
    "GET /v1/triage/feedback/{feedback_id}": REVIEWERS,
    "POST /v1/triage/feedback/{feedback_id}/transition": REVIEWERS,
    "POST /v1/triage/feedback/{feedback_id}/assign": REVIEWERS,
    "POST /v1/triage/feedback/{feedback_id}/replies": REVIEWERS,
    "GET /v1/triage/feedback/{feedback_id}/duplicates": REVIEWERS,
    "POST /v1/triage/feedback/{feedback_id}/reveal-phone": REVIEWERS_ONLY,
    "POST /v1/residents/find-by-phone": REVIEWERS_ONLY,
    "GET /v1/triage/templates": REVIEWERS,
    "POST /v1/triage/templates": REVIEWERS,
    "PATCH /v1/triage/templates/{template_id}": REVIEWERS,
    "DELETE /v1/triage/templates/{template_id}": REVIEWERS,
}


def app_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, those of included routers and those left out of the schema included."""

    def walk(routes: list) -> Iterator[tuple[str, str]]:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # a router included into the app
                for context in route.effective_route_contexts():
                    for method in context.original_route.methods:
                        yield method, context.path
            elif hasattr(route, "methods"):
                for method in route.methods - {"HEAD"}:
                    yield method, route.path

    yield from walk(app.routes)


def test_every_route_has_a_policy(app: FastAPI) -> None:
    # The staff console's pages sign in by cookie, not by token: tests/console/test_route_policy.py holds theirs.
    routes = {f"{method} {path}" for method, path in app_routes(app) if not path.startswith("/console")}
    assert routes - POLICY.keys() == set(), "new routes need a line in POLICY"
    assert POLICY.keys() - routes == set(), "POLICY names routes that no longer exist"


@pytest.fixture
async def path_values(session: AsyncSession) -> dict[str, str]:
    async def first(statement) -> str:  # noqa: ANN001
        return str((await session.execute(statement.limit(1))).scalar_one())

    return {
        "district_code": "310104",
        "place_id": await first(select(Place.id).where(Place.district_code == "310104", Place.status == "published")),
        "event_id": await first(select(Event.id).where(Event.status == "published")),
        "article_id": await first(select(Article.id).where(Article.status == "published")),
        "bundle_code": await first(select(Bundle.code).where(Bundle.status == "published")),
    }


async def test_each_role_gets_what_the_policy_says(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_staff: StaffFactory,
    make_resident,
    path_values: dict,  # noqa: ANN001
) -> None:
    resident = await make_resident("13977778888")
    headers = {
        "anonymous": {},
        "resident": bearer(app, resident.id),
        "operator": bearer(app, (await make_staff("operator", ("310104",))).id),
        "reviewer": bearer(app, (await make_staff("reviewer")).id),
        "admin": bearer(app, (await make_staff("admin")).id),
    }
    path_values = {
        **path_values,
        "user_id": str(resident.id),
        "feedback_id": "1",
        "photo_id": "1",
        "notification_id": "1",
        "template_id": "1",
        "key_id": "1",
        "job_id": "1",
        "year": "2027",
    }
    # Deleting the resident's own account comes last, as it ends the resident's access.
    ordered = sorted(POLICY.items(), key=lambda item: item[0] == "DELETE /v1/me")
    for route, expected_by_role in ordered:
        method, path = route.split(" ", 1)
        url = path.format(**path_values)
        for role in ROLES:
            body = {} if method in {"POST", "PUT", "PATCH"} else None
            answer = await client.request(method, url, json=body, headers=headers[role])
            expected = expected_by_role[role]
            if expected == ALLOW:
                # Let through, and answered: a 4xx about the request itself (an empty body, an id that does not
                # exist) is fine, a server error is not.
                assert answer.status_code not in (401, 403), f"{role} {route}: {answer.status_code} {answer.text}"
                assert answer.status_code < 500, f"{role} {route}: {answer.status_code} {answer.text}"
            else:
                assert answer.status_code == expected, f"{role} {route}: {answer.status_code} {answer.text}"
                assert answer.json()["code"] in {"invalid_token", "forbidden"}
