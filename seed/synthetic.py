"""N realistic synthetic places for the benchmark, loaded in bulk (Core inserts, index documents in batches).

The rows come from the same generator as the sample seed, scaled up, so names, addresses and hours follow the
same distributions (and, like samples, they have no phone numbers or live figures); they are marked `is_sample`
and their refs start with `synthetic:`.
"""

import math
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from api.listings.derived import accessibility_mask, schedule_fingerprint
from api.listings.search_documents import place_document, reference_names
from api.textsearch.index import compact, write_place_documents
from api.textsearch.tokens import name_sort_key
from models import OpeningSchedule, Place
from models.base import utcnow
from seed.loader import checked_place
from seed.samples import PER_DISTRICT, generate_places

BATCH = 2000


def scaled_counts(total: int, districts: int = 16) -> dict[str, int]:
    weight = sum(PER_DISTRICT.values())
    return {category: max(1, math.ceil(total * share / weight / districts)) for category, share in PER_DISTRICT.items()}


def synthetic_places(total: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rows = generate_places(scaled_counts(total), seed=seed, ref_prefix="synthetic")
    for position, row in enumerate(rows):
        if position >= total:
            return
        yield row


def _schedule_ids(connection: Connection, cache: dict[str, int], hours: dict[str, Any] | None) -> int | None:
    if not hours:
        return None
    fingerprint = schedule_fingerprint(hours)
    if fingerprint not in cache:
        found = connection.execute(
            select(OpeningSchedule.id).where(OpeningSchedule.fingerprint == fingerprint)
        ).scalar_one_or_none()
        if found is None:
            found = connection.execute(
                insert(OpeningSchedule).values(fingerprint=fingerprint, hours=hours).returning(OpeningSchedule.id)
            ).scalar_one()
        cache[fingerprint] = found
    return cache[fingerprint]


def load(connection: Connection, total: int, progress: Any = print) -> dict[str, float]:
    """Replace earlier synthetic rows with `total` new ones; returns timings in seconds."""
    started = time.perf_counter()
    old_ids = select(Place.id).where(Place.source_ref.like("synthetic:%"))
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "DELETE FROM search_place WHERE rowid IN (SELECT id FROM place WHERE source_ref LIKE 'synthetic:%')"
        )
    connection.execute(delete(Place).where(Place.id.in_(old_ids)))
    names = reference_names(connection)
    schedules: dict[str, int] = {}
    now = utcnow()
    batch: list[dict[str, Any]] = []
    tokenize_seconds = 0.0
    loaded = 0

    def flush() -> None:
        nonlocal tokenize_seconds, loaded
        statement = insert(Place).returning(Place.id, sort_by_parameter_order=True)
        ids = connection.execute(statement, batch).scalars().all()
        tick = time.perf_counter()
        documents = [place_document(_Row(row, i), names) for row, i in zip(batch, ids, strict=True)]
        tokenize_seconds += time.perf_counter() - tick
        write_place_documents(connection, documents)
        loaded += len(batch)
        progress(f"  {loaded} places")
        batch.clear()

    for row in synthetic_places(total):
        row = checked_place(row)
        row["schedule_id"] = _schedule_ids(connection, schedules, row.get("opening_hours"))
        row["accessibility_mask"] = accessibility_mask(row["accessibility"])
        row["name_sort"] = name_sort_key(row["name"])
        row["created_at"] = row["updated_at"] = now
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    compact(connection)
    return {"seconds": time.perf_counter() - started, "tokenize_seconds": tokenize_seconds, "places": loaded}


class _Row:
    """A place row as attribute access, for place_document."""

    def __init__(self, row: dict[str, Any], place_id: int) -> None:
        self.__dict__.update(row)
        self.id = place_id

    def __getattr__(self, name: str) -> None:
        return None  # optional columns the generator leaves out (name_en, address_en, …)
