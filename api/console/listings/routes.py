"""District operators' listings: the list with the curation filters, the editor, history, publishing, live figures."""

from fastapi import APIRouter

router = APIRouter(prefix="/console/listings", include_in_schema=False)
