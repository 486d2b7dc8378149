"""Many listings written at once, for bulk imports: the same building blocks as `place_writes` (fields applied and
snapshotted the same way, the same warnings, versions with the same field-level changes, the same audit entries),
but flushed a few hundred listings at a time instead of once or twice per listing.

The caller has done the checks `place_writes` does per listing (district granted, references exist, source_id
free, a published listing stays complete) once for the whole file. tests/curation/test_imports.py proves that a
listing written here and the same listing written through `place_writes` end up alike, versions included.
"""

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from api.curation import versions
from api.curation.places.fields import PlaceFields, apply, snapshot, stored
from api.curation.places.writes import SETTLED_BY_PUBLISHING, draft_warnings
from api.deps import Principal
from models import AuditEntry, ListingVersion, Place
from models.base import utcnow

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
        self.version_rows: list[dict[str, Any]] = []
        self.audit_rows: list[dict[str, Any]] = []

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
        # Every column given: SQLModel would otherwise inspect each default factory's signature, per listing.
        place = Place(**_blank_place())
        apply(place, values)
        place.warnings = draft_warnings(values, warnings)
        if publish:
            # Inserted published at once, with what publishing the draft would have made of it (its second
            # version, its settled warnings): one insert and one search document instead of an update after it.
            place.warnings = [w for w in place.warnings if w.get("code") not in SETTLED_BY_PUBLISHING]
            place.status, place.version = "published", 2
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

    async def _number_new_places(self, places: list[Place]) -> None:
        """Ids for new listings, taken before the flush: the ORM then inserts them in one statement per batch
        instead of one per listing (it must read back each generated id where it cannot tell which row is which,
        as on SQLite). On SQLite the transaction already holds the write lock, so no one else takes these ids."""
        if not places:
            return
        connection = await self.session.connection()
        if connection.dialect.name == "postgresql":
            ids = (
                await connection.execute(
                    text("SELECT nextval(pg_get_serial_sequence('place', 'id')) FROM generate_series(1, :n)"),
                    {"n": len(places)},
                )
            ).scalars()
        else:
            last = (await connection.execute(select(func.coalesce(func.max(Place.id), 0)))).scalar_one()
            ids = range(last + 1, last + 1 + len(places))
        for place, place_id in zip(places, ids, strict=True):
            place.id = place_id

    async def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        await self._number_new_places([entry.place for entry in pending if entry.kind == "create"])
        await self.session.flush()
        for entry in pending:
            if entry.kind == "create" and entry.publish:
                draft = _state(entry.place) | {"status": "draft"}
                self._version(entry.place, None, None, action="create", after=draft, version=1)
                self._version(entry.place, draft, 1, action="publish")
            elif entry.kind != "publish_only":
                self._version(entry.place, entry.before, entry.before_version, action=entry.kind)
        publishing = [
            (entry.place, _state(entry.place), entry.place.version)
            for entry in pending
            if entry.publish and entry.kind != "create"
        ]
        for place, _, _ in publishing:
            settled = [w for w in place.warnings or [] if w.get("code") not in SETTLED_BY_PUBLISHING]
            if settled != place.warnings:
                place.warnings = settled
            place.status = "published"
        if publishing:
            await self.session.flush()
        for place, before, before_version in publishing:
            self._version(place, before, before_version, action="publish")
        # Versions and audit entries need no ids back: inserted as plain rows, many to a statement.
        for model, rows in ((ListingVersion, self.version_rows), (AuditEntry, self.audit_rows)):
            if rows:
                await self.session.execute(insert(model), rows)
                rows.clear()

    async def finish(self) -> None:
        await self.flush()
        await self.session.flush()

    def _version(
        self,
        place: Place,
        before: dict[str, Any] | None,
        before_version: int | None,
        *,
        action: str,
        after: dict[str, Any] | None = None,
        version: int | None = None,
    ) -> None:
        """The rows `versions.record` and `audit.record` write for this change (by default, to what the listing
        is now)."""
        key, now = str(place.id), utcnow()
        after = after if after is not None else _state(place)
        version = version if version is not None else place.version
        common = {"object_type": "place", "object_key": key, "reason": None, "created_at": now}
        if before is not None and before_version is not None and key not in self.with_history:
            self.version_rows.append(
                common
                | {
                    "version": before_version,
                    "snapshot": before,
                    "changes": [],
                    "source": "baseline",
                    "source_ref": None,
                    "actor_id": None,
                }
            )
        self.with_history.add(key)
        self.version_rows.append(
            common
            | {
                "version": version,
                "snapshot": after,
                "changes": versions.field_changes(before, after),
                "source": self.source,
                "source_ref": self.source_ref,
                "actor_id": self.principal.user_id,
            }
        )
        details = {"version": version, "source": self.source, "source_ref": self.source_ref}
        self.audit_rows.append(
            {
                "actor_id": self.principal.user_id,
                "action": f"place.{action}",
                "object_type": "place",
                "object_id": key,
                "details": details,
                "reason": None,
                "created_at": now,
            }
        )


def _blank_place() -> dict[str, Any]:
    """A draft with every column at its default (and the required ones empty, for `apply` to fill)."""
    values = {
        name: field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
        for name, field in Place.model_fields.items()
    }
    return values | {"status": "draft", "name": "", "address": "", "category_code": "", "district_code": ""}
