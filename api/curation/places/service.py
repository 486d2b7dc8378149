"""Operators' work on listings, always inside the districts they are granted: the list, the managed view, and
each write through the one write path (api.curation.places.writes)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import race_hooks
from api.curation import versions
from api.curation.merge_patch import merge_patch
from api.curation.places import writes as place_writes
from api.curation.places.fields import PlaceFields, snapshot
from api.curation.places.filters import STALE_AFTER, PlaceFilters, filtered_places
from api.curation.places.writes import StatusAction, reachable_place
from api.curation.preconditions import require_if_match
from api.deps import Principal
from api.errors import ValidationFailed
from api.geo import CoordSystem, to_wgs84
from api.pagination import rows_by_id
from models import Category, District, ListingVersion, Place, Street, UserAccount

# Where a PATCH has passed its If-Match check and is about to write (tests/races.py forces two edits of one
# version to meet here).
EDIT_CHECKED = "place.edit_checked"


def is_stale(place: Place, now: datetime | None = None) -> bool:
    """As the list's `stale` filter reads it: nobody has confirmed the listing for STALE_AFTER."""
    confirmed = place.verified_at or place.created_at
    return confirmed < (now or datetime.now(UTC)) - STALE_AFTER


async def list_places(
    session: AsyncSession, principal: Principal, filters: PlaceFilters, *, limit: int, cursor: str | None
) -> tuple[list[Place], str | None]:
    """The caller's listings that pass the filters, newest first, in keyset pages."""
    statement = filtered_places(principal, filters)
    return await rows_by_id(
        session, statement, Place.id, kind="manage:places", limit=limit, cursor=cursor, newest_first=True
    )


async def usernames(session: AsyncSession, user_ids: set[int | None]) -> dict[int, str | None]:
    wanted = sorted(user_id for user_id in user_ids if user_id is not None)
    if not wanted:
        return {}
    rows = await session.execute(select(UserAccount.id, UserAccount.username).where(UserAccount.id.in_(wanted)))
    return {row.id: row.username for row in rows}


async def live_capacity_unit(session: AsyncSession, category: str) -> str | None:
    return await session.scalar(select(Category.live_capacity_unit).where(Category.code == category))


async def create_place(
    session: AsyncSession, principal: Principal, fields: PlaceFields, *, reason: str | None
) -> Place:
    return await place_writes.create_place(session, principal, fields, reason=reason)


def _patch_in_wgs84(patch: dict[str, Any], coord: CoordSystem) -> dict[str, Any]:
    """The patch with its location converted from `coord`: a location given in another system is given whole."""
    location = patch.get("location")
    if coord == "wgs84" or not isinstance(location, dict):
        return patch
    lat, lng = location.get("lat"), location.get("lng")
    numbers = all(isinstance(value, int | float) and not isinstance(value, bool) for value in (lat, lng))
    if set(location) != {"lat", "lng"} or not numbers:
        raise ValidationFailed(
            f"a location in {coord} is converted as a whole: give both lat and lng as numbers",
            errors=[{"loc": ["body", "location"], "msg": "lat and lng, both numbers", "type": "location_whole"}],
        )
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # type: ignore[operator]
        return patch  # refused as it stands, by the listing's own check
    converted_lat, converted_lng = to_wgs84(float(lat), float(lng), coord)  # type: ignore[arg-type]
    return patch | {"location": {"lat": converted_lat, "lng": converted_lng}}


def _unknown_fields(patch: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "loc": ["body", key],
            "msg": "not a field of a listing (its status changes by /publish, /archive and /restore)",
            "type": "extra_forbidden",
        }
        for key in patch
        if key not in PlaceFields.model_fields
    ]


async def patch_place(
    session: AsyncSession,
    principal: Principal,
    place_id: int,
    patch: dict[str, Any],
    *,
    if_match: str | None,
    coord: CoordSystem,
    reason: str | None,
) -> Place:
    """Apply a merge patch to the listing's current fields and make the result, validated whole, its new version.
    The row stays locked from the If-Match check to the commit: of two edits of one version, one is refused."""
    place = await reachable_place(session, principal, place_id, for_update=True)
    require_if_match(if_match, place.version)
    if problems := _unknown_fields(patch):
        raise ValidationFailed("the patch names what is not a field of a listing", errors=problems)
    await race_hooks.after_check(EDIT_CHECKED)
    fields = place_writes.fields_of(merge_patch(snapshot(place), _patch_in_wgs84(patch, coord)))
    await place_writes.edit_place(session, principal, place, fields, reason=reason)
    return place


async def change_status(
    session: AsyncSession,
    principal: Principal,
    place_id: int,
    action: StatusAction,
    *,
    if_match: str | None,
    reason: str | None,
) -> Place:
    place = await _writable(session, principal, place_id, if_match)
    return await place_writes.change_status(session, principal, place, action, reason=reason)


async def verify_place(session: AsyncSession, principal: Principal, place_id: int, *, if_match: str | None) -> Place:
    place = await _writable(session, principal, place_id, if_match)
    return await place_writes.verify_place(session, principal, place)


async def revert_place(
    session: AsyncSession,
    principal: Principal,
    place_id: int,
    version: int,
    *,
    if_match: str | None,
    reason: str | None,
) -> Place:
    place = await _writable(session, principal, place_id, if_match)
    await place_writes.revert_place(session, principal, place, version, reason=reason)
    return place


async def _writable(session: AsyncSession, principal: Principal, place_id: int, if_match: str | None) -> Place:
    """The listing, locked for the write; an If-Match, when sent (it is optional here), must name its version."""
    place = await reachable_place(session, principal, place_id, for_update=True)
    if if_match is not None:
        require_if_match(if_match, place.version)
    return place


async def history(
    session: AsyncSession, principal: Principal, place_id: int, *, limit: int, cursor: str | None
) -> tuple[list[ListingVersion], str | None]:
    place = await reachable_place(session, principal, place_id)
    return await versions.history(session, kind="place", key=place.id, limit=limit, cursor=cursor)


async def version_snapshot(session: AsyncSession, principal: Principal, place_id: int, version: int) -> dict[str, Any]:
    """What a listing of the caller's districts was after `version` (its editable fields and status): the starting
    point of an edit that another one overtook. 404 when the listing is out of reach or the version was not kept."""
    place = await reachable_place(session, principal, place_id)
    return await versions.snapshot_at(session, kind="place", key=place.id, version=version)


async def place_categories(session: AsyncSession) -> list[Category]:
    """The categories of places, parents before their children, for choosing one in a form or a filter."""
    statement = select(Category).where(Category.kind == "place").order_by(Category.sort_order, Category.code)
    return list((await session.scalars(statement)).all())


async def reachable_districts(session: AsyncSession, principal: Principal) -> list[District]:
    """The districts the caller curates (admins: every district), in the directory's order."""
    statement = select(District).order_by(District.sort_order, District.code)
    if principal.role != "admin":
        statement = statement.where(District.code.in_(sorted(principal.districts)))
    return list((await session.scalars(statement)).all())


async def reachable_streets(session: AsyncSession, principal: Principal, district: str | None = None) -> list[Street]:
    """The streets and towns of the caller's districts (of `district` alone when given), by code."""
    statement = select(Street).order_by(Street.code)
    if district is not None:
        statement = statement.where(Street.district_code == district)
    if principal.role != "admin":
        statement = statement.where(Street.district_code.in_(sorted(principal.districts)))
    return list((await session.scalars(statement)).all())
