"""Which listings an operator sees in their lists and exports: every status, their districts only, narrowed by the
curation filters. The list, the export and the console all filter through here."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import AwareDatetime
from sqlalchemy import Select, func, or_, select

from api.deps import Principal
from api.errors import Forbidden
from models import Place

# A listing nobody has confirmed for this long is stale: residents may be reading something no longer true.
STALE_AFTER = timedelta(days=180)


@dataclass(frozen=True)
class PlaceFilters:
    status: Literal["draft", "published", "archived"] | None = None
    category: str | None = None
    district: str | None = None
    street: str | None = None
    q: str | None = None
    stale: bool | None = None
    updated_since: datetime | None = None
    has_warnings: bool | None = None


def place_filters(
    status: Annotated[Literal["draft", "published", "archived"] | None, Query()] = None,
    category: Annotated[
        str | None, Query(max_length=60, description="A category code; its subcategories are included.")
    ] = None,
    district: Annotated[str | None, Query(pattern=r"^[0-9]{6}$", description="One of your districts.")] = None,
    street: Annotated[str | None, Query(pattern=r"^[0-9]{9}$")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Text in the name, address or source_id.")
    ] = None,
    stale: Annotated[
        bool | None, Query(description="true: listings nobody has verified for 180 days (false: the others).")
    ] = None,
    updated_since: Annotated[AwareDatetime | None, Query(description="Changed at or after this time.")] = None,
    has_warnings: Annotated[bool | None, Query(description="true: listings with something to look at.")] = None,
) -> PlaceFilters:
    return PlaceFilters(
        status, category, district, street, q.strip() if q else None, stale, updated_since, has_warnings
    )


PlaceFiltersDep = Annotated[PlaceFilters, Depends(place_filters)]


def _escaped_like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def filtered_places(principal: Principal, filters: PlaceFilters, *, now: datetime | None = None) -> Select:
    """The select of the listings the caller may curate that pass the filters (unordered). Naming a district that is
    not the caller's is a 403, as for every other operator request."""
    statement = select(Place).where(Place.deleted_at.is_(None))
    if principal.role != "admin":
        statement = statement.where(Place.district_code.in_(sorted(principal.districts)))
    if filters.district is not None:
        if not principal.reaches(filters.district):
            raise Forbidden(f"district {filters.district} is not one of your districts")
        statement = statement.where(Place.district_code == filters.district)
    if filters.status is not None:
        statement = statement.where(Place.status == filters.status)
    if filters.category is not None:
        statement = statement.where(
            or_(Place.category_code == filters.category, Place.category_code.startswith(filters.category + "."))
        )
    if filters.street is not None:
        statement = statement.where(Place.street_code == filters.street)
    if filters.q:
        pattern = _escaped_like(filters.q.lower())
        statement = statement.where(
            or_(
                func.lower(Place.name).like(pattern, escape="\\"),
                func.lower(Place.address).like(pattern, escape="\\"),
                func.lower(Place.source_id).like(pattern, escape="\\"),
            )
        )
    if filters.stale is not None:
        cutoff = (now or datetime.now(UTC)) - STALE_AFTER
        confirmed = func.coalesce(Place.verified_at, Place.created_at)
        statement = statement.where(confirmed < cutoff if filters.stale else confirmed >= cutoff)
    if filters.updated_since is not None:
        statement = statement.where(Place.updated_at >= filters.updated_since)
    if filters.has_warnings is not None:
        statement = statement.where(Place.warning_count > 0 if filters.has_warnings else Place.warning_count == 0)
    return statement
