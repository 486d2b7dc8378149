"""Operators' answers about listings, built from the rows (times go out in Shanghai time by the schemas)."""

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.curation.places import service
from api.curation.places.fields import snapshot
from api.curation.places.schemas import (
    ManagedPlace,
    ManagedPlaceSummary,
    PlaceVersion,
    StaffRef,
)
from models import ListingVersion, Place


def _staff(user_id: int | None, names: dict[int, str | None]) -> StaffRef | None:
    return None if user_id is None else StaffRef(id=user_id, username=names.get(user_id))


def summary(place: Place, now: datetime) -> ManagedPlaceSummary:
    return ManagedPlaceSummary(
        id=place.id,
        name=place.name,
        category=place.category_code,
        district=place.district_code,
        street=place.street_code,
        address=place.address,
        status=place.status,
        version=place.version,
        updated_at=place.updated_at,
        verified_at=place.verified_at,
        stale=service.is_stale(place, now),
        warnings=place.warnings or [],
        source_id=place.source_id,
        has_location=place.lat is not None,
    )


def summaries(places: list[Place]) -> list[ManagedPlaceSummary]:
    now = datetime.now(UTC)
    return [summary(place, now) for place in places]


async def managed(session: AsyncSession, place: Place) -> ManagedPlace:
    """Everything about the listing an operator works on: its fields as they are written, its state, its live
    figures."""
    names = await service.usernames(session, {place.verified_by})
    return ManagedPlace(
        id=place.id,
        **snapshot(place),
        status=place.status,
        version=place.version,
        warnings=place.warnings or [],
        stale=service.is_stale(place),
        verified_at=place.verified_at,
        verified_by=_staff(place.verified_by, names),
        created_at=place.created_at,
        updated_at=place.updated_at,
        live_capacity_unit=await service.live_capacity_unit(session, place.category_code),
        available=place.available,
        available_updated_at=place.available_updated_at,
    )


async def history(session: AsyncSession, entries: list[ListingVersion]) -> list[PlaceVersion]:
    names = await service.usernames(session, {entry.actor_id for entry in entries})
    return [
        PlaceVersion(
            version=entry.version,
            at=entry.created_at,
            actor=_staff(entry.actor_id, names),
            source=entry.source,
            source_ref=entry.source_ref,
            reason=entry.reason,
            changes=entry.changes,
        )
        for entry in entries
    ]
