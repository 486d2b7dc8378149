"""District operators' listings: the list with the curation filters, its export, and a new draft. The editor, the
status buttons and the live figures are in `editor`, the history and revert in `history`."""

from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from api.console import notices
from api.console.auth import ConsoleOperator
from api.console.i18n import N_, text
from api.console.listings import editor, history
from api.console.listings.form import (
    ACCESSIBILITY_LABELS,
    FIELD_LABELS,
    STATUS_LABELS,
    WARNING_LABELS,
    coord_options,
    listing_errors,
    read_form,
    read_reason,
    submitted_texts,
    unreadable,
)
from api.console.listings.shown import category_names, category_options, district_options, street_options
from api.console.rendering import next_page_url, redirect, render
from api.curation.imports.export import MEDIA_TYPES, export_places
from api.curation.places import service, views
from api.curation.places.filters import PlaceFilters
from api.curation.places.writes import fields_of
from api.db import SessionDep, attempt
from api.deps import Principal
from api.errors import ValidationFailed
from api.pagination import CursorParam
from models import Place

router = APIRouter(prefix="/console/listings", include_in_schema=False)

PAGE_SIZE = 20
FILTER_KEYS = ("q", "status", "category", "district", "street", "stale", "has_warnings")

notices.register({"listing_created": N_("The draft listing is created.")})


class ListFilters(BaseModel):
    """The list's filters as the filter form sends them (an empty choice is no filter), checked as the API's
    GET /v1/manage/places checks its query."""

    model_config = ConfigDict(extra="ignore")

    q: str | None = Field(default=None, max_length=100)
    status: Literal["draft", "published", "archived"] | None = None
    category: str | None = Field(default=None, max_length=60)
    district: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    street: str | None = Field(default=None, pattern=r"^[0-9]{9}$")
    stale: bool | None = None
    has_warnings: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _empty_is_no_filter(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value.strip() for key, value in data.items() if isinstance(value, str) and value.strip()}
        return data

    def place_filters(self) -> PlaceFilters:
        return PlaceFilters(
            status=self.status,
            category=self.category,
            district=self.district,
            street=self.street,
            q=self.q,
            stale=self.stale,
            has_warnings=self.has_warnings,
        )


def read_filters(request: Request) -> tuple[ListFilters, dict[str, str]]:
    """The filters of the page's query, and those in force as query parameters (for the pager and the export)."""
    given = {key: request.query_params.get(key, "") for key in FILTER_KEYS}
    try:
        filters = ListFilters.model_validate(given)
    except ValidationError as exc:
        raise ValidationFailed(
            "a filter is not valid",
            errors=[{"loc": ["query", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]} for e in exc.errors()],
        ) from exc
    in_force = {key: value.strip() for key, value in given.items() if value.strip()}
    return filters, in_force


@router.get("")
async def listing_list(
    request: Request, user: ConsoleOperator, session: SessionDep, cursor: CursorParam = None
) -> Response:
    filters, in_force = read_filters(request)
    principal = user.principal
    places, next_cursor = await service.list_places(
        session, principal, filters.place_filters(), limit=PAGE_SIZE, cursor=cursor
    )
    categories = await service.place_categories(session)
    districts = await service.reachable_districts(session, principal)
    streets = await service.reachable_streets(session, principal, filters.district)
    street_names = dict(street_options(streets, districts, request))
    query = urlencode(in_force)
    return render(
        request,
        "listings/list.html",
        {
            "rows": views.summaries(places),
            "filters": in_force,
            "category_options": category_options(categories, request, listable_only=False),
            "category_names": category_names(categories, request),
            "district_options": district_options(districts, request),
            "street_options": street_options(streets, districts, request),
            "street_names": street_names,
            "status_labels": STATUS_LABELS,
            "warning_labels": WARNING_LABELS,
            "status_options": [(status, text(request, label)) for status, label in STATUS_LABELS.items()],
            "stale_options": [
                ("true", text(request, N_("Not confirmed for 180 days"))),
                ("false", text(request, N_("Confirmed within 180 days"))),
            ],
            "warning_options": [
                ("true", text(request, N_("With warnings"))),
                ("false", text(request, N_("Without warnings"))),
            ],
            "next_url": next_page_url(request, next_cursor),
            "export_query": query,
        },
    )


@router.get("/export")
async def export_listings(
    request: Request,
    user: ConsoleOperator,
    session: SessionDep,
    format: Literal["csv", "xlsx"] = "csv",  # noqa: A002
) -> Response:
    """The listings of the list's filters as the API's export makes them (a file the import takes back)."""
    filters, _ = read_filters(request)
    content, filename = await export_places(session, user.principal, filters.place_filters(), format)
    return Response(
        content, media_type=MEDIA_TYPES[format], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


async def _new_page(
    request: Request,
    session: SessionDep,
    principal: Principal,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    categories = await service.place_categories(session)
    districts = await service.reachable_districts(session, principal)
    streets = await service.reachable_streets(session, principal)
    return render(
        request,
        "listings/new.html",
        {
            "values": values,
            "errors": errors or {},
            "category_options": category_options(categories, request, listable_only=True),
            "district_options": district_options(districts, request),
            "street_options": street_options(streets, districts, request),
            "field_labels": FIELD_LABELS,
            "coord_options": coord_options(request),
            "accessibility_labels": ACCESSIBILITY_LABELS,
        },
        status=status,
    )


@router.get("/new")
async def new_listing_form(request: Request, user: ConsoleOperator, session: SessionDep) -> Response:
    return await _new_page(request, session, user.principal, {})


async def _created(session: SessionDep, principal: Principal, values: dict[str, Any], reason: str | None) -> Place:
    return await service.create_place(session, principal, fields_of(values), reason=reason)


@router.post("/new")
async def create_listing(request: Request, user: ConsoleOperator, session: SessionDep) -> Response:
    texts = submitted_texts(await request.form())
    values, problems = read_form(texts, {})
    reason = read_reason(texts, problems)
    values["district"] = str(texts.get("district", "")).strip()
    if problems:
        error = unreadable(values, problems)
        return await _new_page(request, session, user.principal, texts, listing_errors(request, error), 422)
    place, error = await attempt(session, _created(session, user.principal, values, reason))
    if error is not None or place is None:
        errors = listing_errors(request, error) if error else {}
        return await _new_page(request, session, user.principal, texts, errors, error.status if error else 500)
    return redirect(request, f"/console/listings/{place.id}", notice="listing_created")


# After the fixed paths above: `/{place_id}` would otherwise be tried for `/new` and `/export`.
router.include_router(editor.router)
router.include_router(history.router)
