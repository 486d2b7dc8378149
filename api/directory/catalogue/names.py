"""Names of categories, districts and streets, kept per process and per database.

Reference data changes only with the seed, yet every summary needs three of its names: joining the three
tables on each row was a large share of the database's work for a place detail read (bench/README.md). Each
process keeps them instead, for a minute at most, and reads them again at once when a listing names a code it has
not seen.

Another instance, or `svcdir seed`, changing them notifies `REFERENCE_CHANNEL` in its transaction
(`announce_reference_change`): every process listening (api.notifications_bus, started by the app) forgets its names
on that commit instead of serving the old ones for up to a minute, and again once a read replica has the change.
"""

import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db import Database
from api.notifications_bus import notify
from api.prepared import PreparedRead, Reader, as_reader
from models import Category, District, Street

logger = structlog.get_logger(__name__)
REFERENCE_SECONDS = 60.0
REFERENCE_CHANNEL = "svcdir_reference_changed"


@dataclass(frozen=True)
class CategoryNames:
    name: str
    name_en: str | None
    live_capacity_unit: str | None


@dataclass(frozen=True)
class DistrictNames:
    name: str
    name_en: str | None


@dataclass(frozen=True)
class ReferenceNames:
    categories: dict[str, CategoryNames]
    districts: dict[str, DistrictNames]
    streets: dict[str, str]
    loaded_at: float

    def covers(self, rows: Iterable[Any]) -> bool:
        """Whether every category, district and street these rows name is known (rows of counts name no street)."""
        for row in rows:
            street = getattr(row, "street_code", None)
            if row.category_code not in self.categories or row.district_code not in self.districts:
                return False
            if street is not None and street not in self.streets:
                return False
        return True


_CATEGORIES = PreparedRead(select(Category.code, Category.name, Category.name_en, Category.live_capacity_unit))
_DISTRICTS = PreparedRead(select(District.code, District.name, District.name_en))
_STREETS = PreparedRead(select(Street.code, Street.name))

_by_database: "weakref.WeakKeyDictionary[object, ReferenceNames]" = weakref.WeakKeyDictionary()
# Counts `forget` calls: names read while one came in may predate the change, so they are used but not kept.
_generation = 0


def forget() -> None:
    """Drop the names of every database: the next read takes them again (on a notification of REFERENCE_CHANNEL)."""
    global _generation  # noqa: PLW0603 - one cache per process
    _generation += 1
    _by_database.clear()


async def forget_once_replicated(database: Database) -> None:
    """On a notification: forget the names now, and again once the replica of the public reads has replayed the
    change (names read from it meanwhile may predate it, and would be kept for a minute)."""
    forget()
    if not await database.replica_caught_up():
        logger.warning("reference_names_replica_lagging", action="names forgotten again; a minute at most stale")
    forget()


async def announce_reference_change(session: AsyncSession) -> None:
    """For whatever writes categories, districts or streets: inside its transaction, so that every instance on the
    same PostgreSQL forgets its names when (and only if) it commits. Nothing on SQLite (one process)."""
    await notify(session, REFERENCE_CHANNEL)


async def reference_names(source: AsyncSession | Reader, rows: Iterable[Any] = ()) -> ReferenceNames:
    """The names, read again when older than a minute or when `rows` name a code not known yet."""
    reader = as_reader(source)
    names = _by_database.get(reader.database_key)
    if names is None or time.monotonic() - names.loaded_at > REFERENCE_SECONDS or not names.covers(rows):
        generation = _generation
        names = ReferenceNames(
            categories={
                row.code: CategoryNames(row.name, row.name_en, row.live_capacity_unit)
                for row in await _CATEGORIES.all(reader)
            },
            districts={row.code: DistrictNames(row.name, row.name_en) for row in await _DISTRICTS.all(reader)},
            streets={row.code: row.name for row in await _STREETS.all(reader)},
            loaded_at=time.monotonic(),
        )
        if generation == _generation:
            _by_database[reader.database_key] = names
    return names
