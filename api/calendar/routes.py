"""The public holiday calendar, and an admin's load of a year's schedule (no release needed)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api.calendar import days, service
from api.calendar.schemas import FIRST_YEAR, LAST_YEAR, CalendarAnswer, YearLoaded, YearSchedule
from api.db import PublicReadDep, SessionDep
from api.deps import Admin
from api.feedback import provisional
from api.http import no_store

router = APIRouter(tags=["calendar"])

Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description="The year the schedule is for")]


@router.get("/v1/calendar", response_model=CalendarAnswer)
async def holiday_calendar(
    public: PublicReadDep,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="Only this year's days")] = None,
) -> dict:
    """The years whose statutory holidays and make-up workdays are known, and their days. A year not listed is
    unknown: deadlines through it are provisional and opening hours on it carry `holiday_schedule_unknown`."""
    return await service.public_calendar(public, year, days.shanghai_today())


@router.put(
    "/v1/admin/calendar/{year}",
    response_model=YearLoaded,
    tags=["administration"],
    dependencies=[Depends(no_store)],
    responses={422: {"description": "`invalid_calendar`: each bad date named in `errors`"}},
)
async def load_calendar_year(admin: Admin, year: Year, body: YearSchedule, session: SessionDep) -> YearLoaded:
    """Load (or replace) a year's official schedule on the day it is published: every date inside the year, none
    both a day off and a make-up workday. Audited; provisional deadlines are recomputed with it."""
    return await service.load_year(session, year, body, actor_id=admin.user_id, recompute=provisional.recompute)
