"""Operators' endpoints on listings (district grants checked on every object)."""

from fastapi import APIRouter, Depends

from api.curation import service
from api.curation.schemas import AvailabilityUpdate, ManagedPlace
from api.db import ReadSessionDep, SessionDep
from api.deps import Operator
from api.http import PathId, no_store
from models import Place

router = APIRouter(prefix="/v1/manage", tags=["curation"], dependencies=[Depends(no_store)])


def _managed(place: Place) -> ManagedPlace:
    return ManagedPlace(
        id=place.id,
        name=place.name,
        category=place.category_code,
        district=place.district_code,
        status=place.status,
        capacity=place.capacity,
        available=place.available,
        available_updated_at=place.available_updated_at,
        version=place.version,
        updated_at=place.updated_at,
    )


@router.get("/places/{place_id}", response_model=ManagedPlace)
async def get_managed_place(operator: Operator, place_id: PathId, session: ReadSessionDep) -> ManagedPlace:
    """A listing in one of your districts, drafts and archived ones included."""
    return _managed(await service.reachable_place(session, operator, place_id))


@router.put("/places/{place_id}/availability", response_model=ManagedPlace)
async def set_place_availability(
    operator: Operator, place_id: PathId, body: AvailabilityUpdate, session: SessionDep
) -> ManagedPlace:
    """Live figures (free beds, free parking spaces) of a listing in one of your districts."""
    return _managed(await service.set_availability(session, operator, place_id, body.available, body.capacity))
