"""Importing a file of listings: every row is checked first, then the valid rows are written together.

A row with a `source_id` that names a listing of its district updates that listing; a row without one that
matches a listing exactly (same district, category, name and address, and nothing else differs) is that listing,
unchanged; any other row is a new draft. So importing the same file twice changes nothing the second time, and
an export imports back with no changes. A new row that resembles a listing nearby (same category, a similar name,
within 100 m) stays a draft with a `possible_duplicate` warning, even when `publish` is asked for.
"""

import asyncio
import difflib
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api import audit
from api.curation.formats.spreadsheets import Table
from api.curation.imports.columns import HeaderMatch
from api.curation.imports.rows import Issue, ParsedRow, References, merged_fields, parse_row
from api.curation.places.batch import PlaceBatch
from api.curation.places.fields import PlaceFields, publication_problems, snapshot, stored
from api.curation.places.writes import NEEDS_LOCATION
from api.deps import Principal
from api.geo import haversine_m
from models import ImportJob, Place

DUPLICATE_RADIUS_M = 100.0
# difflib's ratio (2 × matching characters / total length) of two names without spaces, punctuation and bracketed
# notes; a name inside the other counts as the same (a district or street prefix). Chosen over a library
# (rapidfuzz): a row meets a handful of candidates (same category, within 100 m), so speed does not matter.
SIMILAR_NAME_RATIO = 0.75
# Grid cells of about 110 m: a listing within 100 m is in the same cell or a neighbouring one.
CELL_LAT_DEGREES = 0.001
CELL_LNG_DEGREES = 0.0012
QUERY_CHUNK = 500
INCOMPLETE = "incomplete"
PROGRESS_EVERY = 500
# A few hundred milliseconds of checks or writes at most before the event loop serves anyone else.
YIELD_EVERY = 100
_NOT_NAME = re.compile(r"[\s\W_]+")
_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")

Progress = Callable[[int], Awaitable[None]]


@dataclass
class _Candidate:
    id: int
    name: str
    lat: float
    lng: float
    source_id: str | None


@dataclass
class _Nearby:
    """Listings with coordinates by category and grid cell: what a new row may duplicate."""

    cells: dict[tuple[str, int, int], list[_Candidate]] = field(default_factory=dict)

    @staticmethod
    def cell(lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / CELL_LAT_DEGREES), math.floor(lng / CELL_LNG_DEGREES)

    def add(self, category: str, candidate: _Candidate) -> None:
        row, column = self.cell(candidate.lat, candidate.lng)
        self.cells.setdefault((category, row, column), []).append(candidate)

    def resembling(self, fields: PlaceFields) -> _Candidate | None:
        if fields.location is None:
            return None
        lat, lng = fields.location.lat, fields.location.lng
        row, column = self.cell(lat, lng)
        name = _comparable(fields.name)
        best: tuple[float, _Candidate] | None = None
        for d_row in (-1, 0, 1):
            for d_column in (-1, 0, 1):
                for candidate in self.cells.get((fields.category, row + d_row, column + d_column), []):
                    if fields.source_id is not None and candidate.source_id == fields.source_id:
                        continue
                    if haversine_m(lat, lng, candidate.lat, candidate.lng) > DUPLICATE_RADIUS_M:
                        continue
                    similarity = _similarity(name, _comparable(candidate.name))
                    if similarity >= SIMILAR_NAME_RATIO and (best is None or similarity > best[0]):
                        best = (similarity, candidate)
        return best[1] if best else None


def _comparable(name: str) -> str:
    """The name without case, spaces, punctuation and bracketed notes (`（测试数据）`, `(分点)`)."""
    return _NOT_NAME.sub("", _BRACKETED.sub("", name.casefold()))


def _similarity(one: str, other: str) -> float:
    if one and other and (one in other or other in one):
        return 1.0
    return difflib.SequenceMatcher(None, one, other, autojunk=False).ratio()


@dataclass
class _Plan:
    row: ParsedRow
    fields: PlaceFields | None = None
    existing: Place | None = None
    duplicate_of: int | None = None


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


async def _existing_by_source_id(session: AsyncSession, rows: list[ParsedRow]) -> dict[tuple[str, str], Place]:
    wanted = {(row.values["district"], row.values["source_id"]) for row in rows if _keyed(row)}
    source_ids = sorted({source_id for _, source_id in wanted})
    found: dict[tuple[str, str], Place] = {}
    for start in range(0, len(source_ids), QUERY_CHUNK):
        chunk = source_ids[start : start + QUERY_CHUNK]
        for place in await session.scalars(select(Place).where(Place.source_id.in_(chunk))):
            key = (place.district_code, place.source_id or "")
            if key in wanted:
                found[key] = place
    return found


async def _existing_by_name(session: AsyncSession, rows: list[ParsedRow]) -> dict[tuple[str, ...], Place]:
    unkeyed = [row for row in rows if not row.rejected and row.values.get("source_id") is None]
    names = sorted({row.values["name"] for row in unkeyed})
    districts = sorted({row.values["district"] for row in unkeyed})
    found: dict[tuple[str, ...], Place] = {}
    for start in range(0, len(names), QUERY_CHUNK):
        statement = select(Place).where(
            Place.name.in_(names[start : start + QUERY_CHUNK]),
            Place.district_code.in_(districts),
            Place.source_id.is_(None),
            Place.deleted_at.is_(None),
        )
        for place in await session.scalars(statement.order_by(Place.id)):
            found.setdefault((place.district_code, place.category_code, place.name, place.address), place)
    return found


async def _nearby(session: AsyncSession, principal: Principal, categories: set[str]) -> _Nearby:
    nearby = _Nearby()
    statement = select(Place.id, Place.category_code, Place.name, Place.lat, Place.lng, Place.source_id).where(
        Place.category_code.in_(sorted(categories)), Place.lat.is_not(None), Place.deleted_at.is_(None)
    )
    if principal.role != "admin":
        statement = statement.where(Place.district_code.in_(sorted(principal.districts)))
    for place_id, category, name, lat, lng, source_id in await session.execute(statement):
        nearby.add(category, _Candidate(place_id, name, lat, lng, source_id))
    return nearby


def _keyed(row: ParsedRow) -> bool:
    return not row.rejected and row.values.get("source_id") is not None


def _flag_repeated_source_ids(rows: list[ParsedRow]) -> None:
    first_row: dict[tuple[str, str], int] = {}
    for row in rows:
        if not _keyed(row):
            continue
        key = (row.values["district"], row.values["source_id"])
        if key in first_row:
            row.error(
                "source_id",
                "duplicate_source_id_in_file",
                f"source_id {key[1]!r} is already used by row {first_row[key]} of this file",
            )
        else:
            first_row[key] = row.number


def _incomplete(values: dict[str, Any]) -> list[str]:
    return [".".join(str(part) for part in problem["loc"][1:]) for problem in publication_problems(values)]


async def import_table(
    session: AsyncSession,
    principal: Principal,
    job: ImportJob,
    table: Table,
    header: HeaderMatch,
    *,
    progress: Progress | None = None,
) -> None:
    """Check every row of the table, then (unless the job is a dry run) write the valid ones in this session's
    transaction, a batch at a time; the job gets the counts and every issue. The caller commits."""
    references = await References.load(session)
    rows: list[ParsedRow] = []
    for number, cells in zip(table.row_numbers, table.rows, strict=True):
        rows.append(parse_row(number, cells, header, references, principal))
        if len(rows) % YIELD_EVERY == 0:
            await asyncio.sleep(0)  # checking is pure Python: let the process's other requests in between
    _flag_repeated_source_ids(rows)
    by_source_id = await _existing_by_source_id(session, rows)
    by_name = await _existing_by_name(session, rows)
    nearby = await _nearby(session, principal, {row.values["category"] for row in rows if "category" in row.values})
    plans = [_plan(row, references, by_source_id, by_name, nearby) for row in rows]

    batch = PlaceBatch(session, principal, source="import", source_ref=job.id)
    await batch.learn_history([plan.existing.id for plan in plans if plan.existing is not None and plan.existing.id])
    counts = Counts()
    written: list[tuple[_Plan, Place]] = []
    for done, plan in enumerate(plans, start=1):
        place = await _write(batch, plan, counts, publish=job.publish, dry_run=job.dry_run)
        if place is not None:
            written.append((plan, place))
        if progress is not None and done % PROGRESS_EVERY == 0:
            await progress(done)
        elif done % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    if not job.dry_run:
        await batch.finish()
    for plan, place in written:
        for issue in plan.row.issues:
            issue.place_id = place.id

    issues = [
        Issue(
            table.header_row_number, None, "warning", "unknown_column", "not a column of imports: ignored", heading=name
        )
        for _, name in header.unknown
    ]
    for plan in plans:
        issues.extend(plan.row.issues)
    headings = header.headings
    job.rows_total = job.rows_done = len(rows)
    job.created, job.updated, job.unchanged, job.rejected = (
        counts.created,
        counts.updated,
        counts.unchanged,
        counts.rejected,
    )
    job.issues = [issue.as_dict(headings) for issue in issues]
    if not job.dry_run:
        audit.record(
            session,
            actor_id=principal.user_id,
            action="import.run",
            object_type="import_job",
            object_id=job.id,
            details={"created": counts.created, "updated": counts.updated, "rejected": counts.rejected},
        )


def _plan(
    row: ParsedRow,
    references: References,
    by_source_id: dict[tuple[str, str], Place],
    by_name: dict[tuple[str, ...], Place],
    nearby: _Nearby,
) -> _Plan:
    plan = _Plan(row)
    if row.rejected:
        return plan
    values = row.values
    if values.get("source_id") is not None:
        plan.existing = by_source_id.get((values["district"], values["source_id"]))
        if plan.existing is not None and plan.existing.deleted_at is not None:
            row.error("source_id", "source_id_deleted", f"source_id {values['source_id']!r} names a deleted listing")
            return plan
    elif (same := by_name.get((values["district"], values["category"], values["name"], values["address"]))) is not None:
        # The same listing exported (or imported) before, without a source_id: it is the listing if nothing differs.
        probe = ParsedRow(row.number, row.values, row.available, row.sets_available, [], row.street_from_file)
        fields = merged_fields(probe, snapshot(same), references)
        if fields is not None and stored(fields) == snapshot(same):
            plan.existing, plan.fields = same, fields
            row.issues.extend(probe.issues)
    if plan.fields is None:
        plan.fields = merged_fields(row, snapshot(plan.existing) if plan.existing else None, references)
    if plan.fields is None:
        return plan
    if plan.existing is None:
        duplicate = nearby.resembling(plan.fields)
        if duplicate is not None:
            plan.duplicate_of = duplicate.id
            row.issues.append(
                Issue(
                    row.number,
                    "name",
                    "warning",
                    "possible_duplicate",
                    f"resembles listing {duplicate.id} ({duplicate.name}) within {DUPLICATE_RADIUS_M:.0f} m: "
                    "kept as a draft",
                    duplicate_of=duplicate.id,
                )
            )
    elif plan.existing.status == "published" and (missing := _incomplete(stored(plan.fields))):
        row.error(
            None,
            "would_be_incomplete",
            f"listing {plan.existing.id} is published and would lack {', '.join(missing)}: archive it first",
            place_id=plan.existing.id,
        )
        plan.fields = None
    if plan.fields is not None and row.sets_available and row.available is not None:
        capacity = plan.fields.capacity
        if capacity is not None and row.available > capacity:
            row.error("available", "above_capacity", f"available ({row.available}) exceeds capacity ({capacity})")
            plan.fields = None
    return plan


def _listing_warnings(plan: _Plan, missing: list[str], stays_draft: bool) -> list[dict[str, Any]]:
    """The warnings kept on the listing: those it had (but `incomplete`, worked out again), a possible duplicate."""
    kept = [w for w in (plan.existing.warnings or []) if w.get("code") != INCOMPLETE] if plan.existing else []
    if plan.duplicate_of is not None:
        kept.append(
            {
                "code": "possible_duplicate",
                "message": f"resembles listing {plan.duplicate_of} nearby",
                "place_id": plan.duplicate_of,
            }
        )
    if missing and stays_draft:
        kept.append({"code": INCOMPLETE, "message": "cannot be published yet: lacks " + ", ".join(missing)})
    return kept


async def _write(batch: PlaceBatch, plan: _Plan, counts: Counts, *, publish: bool, dry_run: bool) -> Place | None:
    """Write the row's listing (or count what it would do in a dry run); the listing, when it has an id."""
    row, fields, existing = plan.row, plan.fields, plan.existing
    if fields is None or row.rejected:
        counts.rejected += 1
        return None
    values = stored(fields)
    missing = _incomplete(values)
    status = existing.status if existing is not None else "draft"
    to_publish = publish and status == "draft" and not missing and plan.duplicate_of is None
    stays_draft = status == "draft" and not to_publish
    fields_changed = existing is None or values != snapshot(existing)
    available_changed = row.sets_available and (existing is None or row.available != existing.available)
    if existing is not None and not (fields_changed or to_publish or available_changed):
        counts.unchanged += 1
        if publish and stays_draft and missing:
            row.warn(None, INCOMPLETE, "cannot be published: lacks " + ", ".join(missing))
        return existing
    if stays_draft and missing:
        row.warn(None, INCOMPLETE, "kept as a draft: lacks " + ", ".join(missing))
    if fields.location is None:
        row.warn("lat", NEEDS_LOCATION, "no coordinates: kept as a draft until it has a location")
    warnings = _listing_warnings(plan, missing, stays_draft)
    if existing is None:
        counts.created += 1
        if dry_run:
            return None
        place = await batch.create(fields, warnings, publish=to_publish)
    else:
        counts.updated += 1
        if dry_run:
            return existing
        place = existing
        if fields_changed or to_publish:
            await batch.edit(place, fields, warnings, publish=to_publish)
    if available_changed:
        # A live figure, not an edit: no version (as PUT …/availability).
        place.available = row.available
        place.available_updated_at = datetime.now(UTC)
    return place
