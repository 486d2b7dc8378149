"""The feedback team's pages: the queue, a case, the dashboard."""

from fastapi import APIRouter

router = APIRouter(prefix="/console/feedback", include_in_schema=False)
