"""Residents' corrections as operators settle them: the listing's value beside the suggested one."""

from fastapi import APIRouter

router = APIRouter(prefix="/console/corrections", include_in_schema=False)
