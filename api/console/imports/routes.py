"""District operators' imports: upload, the dry run's report, apply, the job's progress."""

from fastapi import APIRouter

router = APIRouter(prefix="/console/imports", include_in_schema=False)
