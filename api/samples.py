"""Sample data in a deployment: what residents can see of it, and withdrawing it.

Samples (`is_sample`) are for development and for deployments that say they are demos (`APP_ENV=demo`);
production refuses to start while residents could see any: the app's own startup checks (api.main), however it is
served, and `svcdir serve` checks before it listens, to say why and exit with code 2 (api.lifecycle).
"""

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.visibility import publicly_readable
from models import Article, Bundle, Event, Place

SAMPLE_KINDS = {"places": Place, "events": Event, "articles": Article, "bundles": Bundle}


class SampleDataInProduction(RuntimeError):
    """Production was asked to serve a database whose sample rows residents would see."""

    def __init__(self, counts: dict[str, int]) -> None:
        shown = ", ".join(f"{count} {kind}" for kind, count in counts.items() if count)
        super().__init__(
            f"APP_ENV=production, but this database publishes sample data ({shown}): residents would take it for "
            "real. Withdraw it with `svcdir withdraw-samples`, or serve this database as a demo (APP_ENV=demo)."
        )
        self.counts = counts


async def visible_sample_counts(session: AsyncSession) -> dict[str, int]:
    """How many sample rows of each kind residents can see (published, or a cancelled event, and not deleted)."""
    counts = {}
    for kind, model in SAMPLE_KINDS.items():
        statement = select(func.count()).select_from(model).where(model.is_sample.is_(True), publicly_readable(model))
        counts[kind] = (await session.execute(statement)).scalar_one()
    return counts


async def refuse_visible_samples(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Raise SampleDataInProduction when residents can see any sample row (for production's startup)."""
    async with sessionmaker() as session:
        counts = await visible_sample_counts(session)
    if any(counts.values()):
        raise SampleDataInProduction(counts)


async def withdraw_samples(session: AsyncSession) -> dict[str, int]:
    """Delete every visible sample row softly, as the directory deletes: the search index drops them in the same
    transaction and offline caches get their tombstones from /v1/sync."""
    withdrawn = {}
    now = datetime.now(UTC)
    for kind, model in SAMPLE_KINDS.items():
        rows = (await session.scalars(select(model).where(model.is_sample.is_(True), publicly_readable(model)))).all()
        for row in rows:
            row.deleted_at = now
        withdrawn[kind] = len(rows)
    await session.flush()
    return withdrawn
