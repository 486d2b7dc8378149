"""Loads the seed into a database: idempotent, in one transaction, updating rows in place by natural key."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from api.calendar import service as calendar_service
from api.calendar.files import read_schedules
from api.directory.service import announce_reference_change
from api.feedback import provisional
from api.listings import write_hooks
from api.listings.attributes import validate_attributes
from api.listings.hours import OpeningHours
from api.textsearch.index import compact
from models import Article, Bundle, BundleMatter, CalendarYear, Category, District, Event, Place, SeedState, Street
from models.base import utcnow
from seed import content, samples
from seed.calendar_source import CALENDAR_FILE
from seed.reference import DATA_DIR, category_rows, district_rows, street_rows

# Bump when the way files become rows changes, so that databases seeded before reload (the seed's own code is
# part of the digest too, so a changed generator reloads them by itself).
SEED_FORMAT = "2"
SEED_CODE_DIR = Path(__file__).resolve().parent
SEED_NAME = "reference"


@dataclass
class SeedReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    skipped: bool = False

    def count(self, table: str, inserted: int, updated: int) -> None:
        self.inserted[table] = self.inserted.get(table, 0) + inserted
        self.updated[table] = self.updated.get(table, 0) + updated

    @property
    def changed(self) -> bool:
        return any(self.inserted.values()) or any(self.updated.values())


def seed_digest(include_samples: bool) -> str:
    digest = hashlib.sha256(f"{SEED_FORMAT}:{include_samples}".encode())
    for path in sorted(DATA_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(DATA_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    for path in sorted(SEED_CODE_DIR.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    key: Sequence[str],
    rows: Sequence[dict[str, Any]],
    report: SeedReport,
) -> dict[tuple, Any]:
    """Insert missing rows, update changed ones, leave equal ones untouched."""
    columns = [getattr(model, name) for name in key]
    wanted = [tuple(row[name] for name in key) for row in rows]
    existing: dict[tuple, Any] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        condition = columns[0].in_([k[0] for k in chunk]) if len(key) == 1 else tuple_(*columns).in_(chunk)
        for obj in (await session.scalars(select(model).where(condition))).all():
            existing[tuple(getattr(obj, name) for name in key)] = obj
    inserted = updated = 0
    for identity, row in zip(wanted, rows, strict=True):
        obj = existing.get(identity)
        if obj is None:
            obj = model(**row)
            session.add(obj)
            existing[identity] = obj
            inserted += 1
            continue
        changes = {name: value for name, value in row.items() if getattr(obj, name) != value}
        if changes:
            # version and updated_at follow in the before-flush hook (api.listings.derived).
            for name, value in changes.items():
                setattr(obj, name, value)
            updated += 1
    await session.flush()
    report.count(model.__tablename__, inserted, updated)
    return existing


def checked_place(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["attributes"] = validate_attributes(row["category_code"], row.get("attributes") or {})
    if row.get("opening_hours") is not None:
        row["opening_hours"] = OpeningHours.model_validate(row["opening_hours"]).model_dump(
            mode="json", exclude_defaults=False
        )
    return row


async def load_seed(session: AsyncSession, *, include_samples: bool = True, force: bool = False) -> SeedReport:
    """Load reference data (and sample content); skipped when this exact seed is already loaded."""
    # The listings are written through the session: their derived columns and search documents follow the flushes.
    write_hooks.install()
    report = SeedReport()
    digest = seed_digest(include_samples)
    state = await session.get(SeedState, SEED_NAME)
    if state is not None and state.digest == digest and not force:
        report.skipped = True
        return report

    await upsert(session, District, ["code"], district_rows(), report)
    await upsert(session, Street, ["code"], street_rows(), report)
    await upsert(session, Category, ["code"], category_rows(), report)
    reference_tables = (District.__tablename__, Street.__tablename__, Category.__tablename__)
    if any(report.inserted.get(table) or report.updated.get(table) for table in reference_tables):
        # Every instance on this PostgreSQL forgets the names it keeps once this transaction commits.
        await announce_reference_change(session)
    await _load_calendar(session, report)

    place_rows = [checked_place(row) for row in content.landmark_place_rows()]
    if include_samples:
        place_rows += [checked_place(row) for row in samples.generate_places()]
    places = await upsert(session, Place, ["source_ref"], place_rows, report)
    if include_samples:
        await _load_sample_content(session, places, report)

    if state is None:
        session.add(SeedState(name=SEED_NAME, digest=digest))
    else:
        state.digest, state.loaded_at = digest, utcnow()
    await session.flush()
    # The listings were indexed a flush at a time: their index entries are merged once, now.
    await (await session.connection()).run_sync(compact)
    return report


async def _load_calendar(session: AsyncSession, report: SeedReport) -> None:
    """The years of the calendar file that the database does not hold yet. A year already there is left as it is:
    an admin may have loaded a corrected schedule since, and the seed must not undo it."""
    loaded = set((await session.scalars(select(CalendarYear.year))).all())
    added = 0
    for year, schedule in read_schedules(CALENDAR_FILE).items():
        if year not in loaded:
            await calendar_service.store_year(session, year, schedule, actor_id=None)
            added += 1
    if added:
        await provisional.recompute(session)
    report.count(CalendarYear.__tablename__, added, 0)


async def _load_sample_content(session: AsyncSession, places: dict[tuple, Place], report: SeedReport) -> None:
    venue_ids = {place.name: place.id for place in places.values() if not place.is_sample}
    await upsert(session, Event, ["source_ref"], content.event_rows(venue_ids), report)
    await upsert(session, Article, ["source_ref"], content.article_rows(), report)
    bundles = content.bundle_rows()
    await upsert(session, Bundle, ["code"], [bundle for bundle, _ in bundles], report)
    await upsert(session, BundleMatter, ["bundle_code", "code"], [m for _, matters in bundles for m in matters], report)
