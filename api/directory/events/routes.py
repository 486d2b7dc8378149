"""Event routes (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.db import PublicReadDep
from api.directory.catalogue import service as catalogue
from api.directory.events import service
from api.directory.events.schemas import EventDetail, EventSummary
from api.directory.params import (
    CategoryFilter,
    CoordParam,
    DayParam,
    DistrictFilter,
    NearParam,
    RadiusParam,
    parse_near,
)
from api.errors import ValidationFailed
from api.http import PathId, QParam, json_page, json_with_etag, plain
from api.pagination import CursorParam, LimitParam, Page

router = APIRouter(prefix="/v1", tags=["directory"])


@router.get("/events", response_model=Page[EventSummary])
async def list_events(
    request: Request,
    public: PublicReadDep,
    starts_from: Annotated[DayParam, Query(alias="from", description="First day (Shanghai); default today.")] = None,
    ends_by: Annotated[DayParam, Query(alias="to", description="Last day (Shanghai), inclusive.")] = None,
    category: CategoryFilter = None,
    district: DistrictFilter = None,
    q: QParam = None,
    near: NearParam = None,
    radius_m: RadiusParam = 3000,
    coord: CoordParam = "wgs84",
    limit: LimitParam = 20,
    cursor: CursorParam = None,
) -> Response:
    """Soonest first. `q` and `near` narrow the list; with `near`, each event carries `distance_m`."""
    if starts_from and ends_by and ends_by < starts_from:
        raise ValidationFailed(
            "`to` is before `from`",
            errors=[{"loc": ["query", "to"], "msg": "must not be before `from`", "type": "date_range"}],
        )
    await catalogue.require_filter_values(public.reader, category=category, district=district)
    items, next_cursor = await service.list_events(
        public,
        starts_from=starts_from,
        ends_by=ends_by,
        category=category,
        district=district,
        q=q,
        near=parse_near(near, coord),
        radius_m=radius_m,
        coord=coord,
        limit=limit,
        cursor=cursor,
    )
    return json_page(request, items, next_cursor)


@router.get("/events/{event_id}", response_model=EventDetail)
async def get_event(request: Request, public: PublicReadDep, event_id: PathId, coord: CoordParam = "wgs84") -> Response:
    event = await service.event_detail(public, event_id, coord)
    return json_with_etag(request, plain(event))
