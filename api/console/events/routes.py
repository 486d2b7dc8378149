"""The events of an operator's districts."""

from fastapi import APIRouter

router = APIRouter(prefix="/console/events", include_in_schema=False)
