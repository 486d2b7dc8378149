"""Many listings written at once, for bulk imports: the same building blocks as `place_writes` (fields applied and
snapshotted the same way, the same warnings, versions with the same field-level changes, the same audit entries),
but flushed a few hundred listings at a time instead of once or twice per listing.

The caller has done the checks `place_writes` does per listing (district granted, references exist, source_id
free, a published listing stays complete) once for the whole file. tests/curation/test_imports.py proves that a
listing written here and the same listing written through `place_writes` end up alike, versions included.
"""

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.curation import versions
from api.curation.place_fields import PlaceFields, apply, snapshot, stored
from api.curation.place_writes import SETTLED_BY_PUBLISHING, draft_warnings
from api.deps import Principal
from models import ListingVersion, Place

BATCH_SIZE = 500


@dataclass
class _Pending:
    place: Place
    kind: Literal["create", "edit", "publish_only"]
    publish: bool
    before: dict[str, Any] | None = None
    before_version: int | None = None


def _state(place: Place) -> dict[str, Any]:
    return snapshot(place) | {"status": place.status}


class PlaceBatch:
    """Collects creations and edits; every `size` of them (and at `finish`) they are flushed together, then
    published together where asked, and their versions and audit entries added."""

    def __init__(
        self,
        session: AsyncSession,
        principal: Principal,
        *,
        source: str,
        source_ref: int | None,
        size: int = BATCH_SIZE,
    ) -> None:
        self.session, self.principal = session, principal
        self.source, self.source_ref = source, source_ref
        self.size = size
        self.pending: list[_Pending] = []
        self.with_history: set[str] = set()

    async def learn_history(self, place_ids: list[int]) -> None:
        """Which of these listings already have versions (the others get a baseline before their first edit)."""
        for start in range(0, len(place_ids), 500):
            keys = [str(place_id) for place_id in place_ids[start : start + 500]]
            rows = await self.session.scalars(
                select(ListingVersion.object_key)
                .where(ListingVersion.object_type == "place", ListingVersion.object_key.in_(keys))
                .distinct()
            )
            self.with_history.update(rows)

    async def create(self, fields: PlaceFields, warnings: list[dict[str, Any]], *, publish: bool) -> Place:
        """A new draft (as `place_writes.create_place`), published after it when `publish` (as `change_status`)."""
        values = stored(fields)
        place = Place(status="draft", name="", address="", category_code="", district_code="")
        apply(place, values)
        place.warnings = draft_warnings(values, warnings)
        self.session.add(place)
        await self._add(_Pending(place, "create", publish))
        return place

    async def edit(self, place: Place, fields: PlaceFields, warnings: list[dict[str, Any]], *, publish: bool) -> bool:
        """As `place_writes.edit_place` (then `change_status` when `publish`); False, with nothing changed, when
        the fields are the listing's own and nothing is to be published."""
        values = stored(fields)
        before, before_version = _state(place), place.version
        apply(place, values)
        if _state(place) == before:
            if publish:
                await self._add(_Pending(place, "publish_only", publish))
            return publish
        new_warnings = draft_warnings(values, warnings)
        if new_warnings != place.warnings:
            place.warnings = new_warnings
        await self._add(_Pending(place, "edit", publish, before, before_version))
        return True

    async def _add(self, entry: _Pending) -> None:
        self.pending.append(entry)
        if len(self.pending) >= self.size:
            await self.flush()

    async def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        await self.session.flush()
        for entry in pending:
            if entry.kind != "publish_only":
                self._version(entry.place, entry.before, entry.before_version, action=entry.kind)
        publishing = [(entry.place, _state(entry.place), entry.place.version) for entry in pending if entry.publish]
        for place, _, _ in publishing:
            settled = [w for w in place.warnings or [] if w.get("code") not in SETTLED_BY_PUBLISHING]
            if settled != place.warnings:
                place.warnings = settled
            place.status = "published"
        if publishing:
            await self.session.flush()
        for place, before, before_version in publishing:
            self._version(place, before, before_version, action="publish")

    async def finish(self) -> None:
        await self.flush()
        await self.session.flush()

    def _version(self, place: Place, before: dict[str, Any] | None, before_version: int | None, *, action: str) -> None:
        key = str(place.id)
        after = _state(place)
        if before is not None and before_version is not None and key not in self.with_history:
            self.session.add(
                ListingVersion(
                    object_type="place",
                    object_key=key,
                    version=before_version,
                    snapshot=before,
                    changes=[],
                    source="baseline",
                )
            )
        self.with_history.add(key)
        self.session.add(
            ListingVersion(
                object_type="place",
                object_key=key,
                version=place.version,
                snapshot=after,
                changes=versions.field_changes(before, after),
                source=self.source,
                source_ref=self.source_ref,
                actor_id=self.principal.user_id,
            )
        )
        details: dict[str, Any] = {"source": self.source, "source_ref": self.source_ref}
        if action != "create":
            details["version"] = place.version
        audit.record(
            self.session,
            actor_id=self.principal.user_id,
            action=f"place.{action}",
            object_type="place",
            object_id=place.id,
            details=details,
        )
