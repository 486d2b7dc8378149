"""Operators' work on listings, always inside the districts they are granted."""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.curation.place_writes import reachable_place
from api.deps import Principal
from api.errors import ValidationFailed
from models import Category, Place


async def set_availability(
    session: AsyncSession, principal: Principal, place_id: int, available: int, capacity: int | None
) -> Place:
    place = await reachable_place(session, principal, place_id, for_update=True)
    unit = await session.scalar(select(Category.live_capacity_unit).where(Category.code == place.category_code))
    if not unit:
        raise ValidationFailed(
            f"listings of {place.category_code} have no live figures",
            errors=[{"loc": ["path", "place_id"], "msg": "no live capacity", "type": "no_live_capacity"}],
        )
    total = capacity if capacity is not None else place.capacity
    if total is not None and available > total:
        raise ValidationFailed(
            f"available ({available}) cannot exceed capacity ({total})",
            errors=[{"loc": ["body", "available"], "msg": "more than capacity", "type": "above_capacity"}],
        )
    before = {"available": place.available, "capacity": place.capacity}
    place.available = available
    if capacity is not None:
        place.capacity = capacity
    place.available_updated_at = datetime.now(UTC)
    audit.record(
        session,
        actor_id=principal.user_id,
        action="place.availability",
        object_type="place",
        object_id=place_id,
        details={"before": before, "after": {"available": place.available, "capacity": place.capacity}},
    )
    await session.flush()
    return place
