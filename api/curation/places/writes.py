"""Writing a listing: the one path every change to a place takes (made by hand, imported, corrected, reverted),
so that the checks, the warnings, the history and the audit trail are the same whichever way it comes."""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.curation import versions
from api.curation.places.fields import PlaceFields, apply, attribute_problems, publication_problems, snapshot, stored
from api.deps import Principal
from api.errors import Conflict, Forbidden, NotFound, ValidationFailed
from models import Category, District, Place, Street

StatusAction = Literal["publish", "archive", "restore"]
NEEDS_LOCATION = "needs_location"
# Warnings an operator settles by publishing the listing: having looked at it, they vouch for it.
SETTLED_BY_PUBLISHING = frozenset({"possible_duplicate", "incomplete"})


async def reachable_place(
    session: AsyncSession, principal: Principal, place_id: int, *, for_update: bool = False
) -> Place:
    """The listing, if it exists and lies in one of the caller's districts; 404 otherwise (either way alike). For an
    edit it is locked until the request ends, so that two edits of the same version cannot both pass If-Match."""
    place = await session.get(Place, place_id, with_for_update=for_update or None)
    if place is None or place.deleted_at is not None or not principal.reaches(place.district_code):
        raise NotFound(f"there is no place {place_id} in your districts")
    return place


def require_district(principal: Principal, district: str) -> None:
    """403 when the caller names a district that was not granted to them."""
    if not principal.reaches(district):
        raise Forbidden(f"district {district} is not one of your districts")


async def reference_problems(session: AsyncSession, values: dict[str, Any]) -> list[dict[str, Any]]:
    """What the fields name that does not exist or does not fit: the district, the category, the street (which
    must lie in the district), and attributes of the wrong kind."""
    problems = []
    if await session.get(District, values["district"]) is None:
        problems.append({"loc": ["body", "district"], "msg": "no such district", "type": "unknown_district"})
    kind = await session.scalar(select(Category.kind).where(Category.code == values["category"]))
    if kind != "place":
        problems.append({"loc": ["body", "category"], "msg": "not a category of places", "type": "unknown_category"})
    else:
        problems.extend(attribute_problems(values["category"], values["attributes"], complete=False))
    if values["street"] is not None:
        street_district = await session.scalar(select(Street.district_code).where(Street.code == values["street"]))
        if street_district != values["district"]:
            problems.append(
                {"loc": ["body", "street"], "msg": "no such street in this district", "type": "unknown_street"}
            )
    return problems


def draft_warnings(values: dict[str, Any], warnings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = [warning for warning in warnings if warning.get("code") != NEEDS_LOCATION]
    if values["location"] is None:
        kept.insert(0, {"code": NEEDS_LOCATION, "message": "the listing has no coordinates yet"})
    return kept


async def _checked(session: AsyncSession, principal: Principal, values: dict[str, Any]) -> None:
    require_district(principal, values["district"])
    if problems := await reference_problems(session, values):
        raise ValidationFailed("the listing names what does not exist or does not fit", errors=problems)


async def _unique_source_id(session: AsyncSession, values: dict[str, Any], place_id: int | None) -> None:
    if values["source_id"] is None:
        return
    holder = await session.scalar(
        select(Place.id).where(Place.district_code == values["district"], Place.source_id == values["source_id"])
    )
    if holder is not None and holder != place_id:
        raise Conflict(f"source_id {values['source_id']!r} already names place {holder} in this district")


async def create_place(
    session: AsyncSession,
    principal: Principal,
    fields: PlaceFields,
    *,
    source: str = "manual",
    source_ref: int | None = None,
    reason: str | None = None,
    warnings: list[dict[str, Any]] | None = None,
) -> Place:
    """A new draft listing and its first version."""
    values = stored(fields)
    await _checked(session, principal, values)
    await _unique_source_id(session, values, None)
    place = Place(status="draft", name="", address="", category_code="", district_code="")
    apply(place, values)
    place.warnings = draft_warnings(values, warnings or [])
    session.add(place)
    await session.flush()
    await versions.record_write(
        session,
        kind="place",
        key=place.id,
        action="create",
        before=None,
        before_version=None,
        after=snapshot(place) | {"status": place.status},
        version=place.version,
        source=source,
        source_ref=source_ref,
        reason=reason,
        actor_id=principal.user_id,
    )
    return place


async def edit_place(
    session: AsyncSession,
    principal: Principal,
    place: Place,
    fields: PlaceFields,
    *,
    source: str = "manual",
    source_ref: int | None = None,
    reason: str | None = None,
    warnings: list[dict[str, Any]] | None = None,
) -> bool:
    """Make `fields` the listing's new version; False (and nothing written) when they change nothing. A published
    listing stays complete: an edit that would leave it unpublishable is refused."""
    values = stored(fields)
    before = snapshot(place) | {"status": place.status}
    before_version = place.version
    if values["district"] != place.district_code:
        require_district(principal, values["district"])
    await _checked(session, principal, values)
    await _unique_source_id(session, values, place.id)
    if place.status == "published" and (problems := publication_problems(values)):
        raise ValidationFailed("a published listing must stay complete: archive it first", errors=problems)
    apply(place, values)
    after = snapshot(place) | {"status": place.status}
    if after == before:
        return False
    # Only with an edit: a change of warnings alone would bump the version with no version in the history.
    new_warnings = draft_warnings(values, warnings if warnings is not None else list(place.warnings or []))
    if new_warnings != place.warnings:
        place.warnings = new_warnings
    await session.flush()
    await versions.record_write(
        session,
        kind="place",
        key=place.id,
        action="edit",
        before=before,
        before_version=before_version,
        after=after,
        version=place.version,
        source=source,
        source_ref=source_ref,
        reason=reason,
        actor_id=principal.user_id,
    )
    return True


_NEXT_STATUS = {"publish": "published", "archive": "archived", "restore": "draft"}
_ALLOWED_FROM = {"publish": {"draft", "archived"}, "archive": {"draft", "published"}, "restore": {"archived"}}


async def change_status(
    session: AsyncSession,
    principal: Principal,
    place: Place,
    action: StatusAction,
    *,
    reason: str | None = None,
    source: str = "manual",
    source_ref: int | None = None,
) -> Place:
    """Publish (only a complete listing), archive, or restore (an archived listing becomes a draft again). Each is a
    version of its own; the search index and /v1/sync follow at once (their flush hooks)."""
    if place.status not in _ALLOWED_FROM[action]:
        raise Conflict(f"a {place.status} listing cannot be {_NEXT_STATUS[action]} by {action}")
    before = snapshot(place) | {"status": place.status}
    before_version = place.version
    if action == "publish":
        if problems := publication_problems(before):
            raise ValidationFailed("the listing is not complete enough to publish", errors=problems)
        settled = [w for w in place.warnings or [] if w.get("code") not in SETTLED_BY_PUBLISHING]
        if settled != place.warnings:
            place.warnings = settled
    place.status = _NEXT_STATUS[action]
    await session.flush()
    await versions.record_write(
        session,
        kind="place",
        key=place.id,
        action=action,
        before=before,
        before_version=before_version,
        after=snapshot(place) | {"status": place.status},
        version=place.version,
        source=source,
        source_ref=source_ref,
        reason=reason,
        actor_id=principal.user_id,
    )
    return place


async def verify_place(session: AsyncSession, principal: Principal, place: Place) -> Place:
    """The operator confirms the listing is still accurate: not an edit (no version), but residents see when."""
    if place.status == "archived":
        raise Conflict("an archived listing is not shown to anyone: restore it before verifying it")
    place.verified_at = datetime.now(UTC)
    place.verified_by = principal.user_id
    audit.record(session, actor_id=principal.user_id, action="place.verify", object_type="place", object_id=place.id)
    await session.flush()
    return place


def fields_of(values: dict[str, Any]) -> PlaceFields:
    """Stored-form fields (a snapshot, a merge-patched snapshot) validated back into `PlaceFields`; 422 with each
    field's problem when they do not fit."""
    editable = {key: value for key, value in values.items() if key in PlaceFields.model_fields}
    try:
        return PlaceFields.model_validate(editable)
    except ValidationError as exc:
        raise ValidationFailed(
            "the listing would not be valid",
            errors=[
                {"loc": ["body", *map(str, error["loc"])], "msg": error["msg"], "type": error["type"]}
                for error in exc.errors()
            ],
        ) from exc


async def revert_place(
    session: AsyncSession, principal: Principal, place: Place, version: int, *, reason: str | None = None
) -> bool:
    """A new version whose fields are those of an earlier version (the status stays as it is)."""
    if version == place.version:
        raise Conflict(f"version {version} is the current version")
    old = await versions.snapshot_at(session, kind="place", key=place.id, version=version)
    return await edit_place(
        session, principal, place, fields_of(old), source="revert", source_ref=version, reason=reason
    )
