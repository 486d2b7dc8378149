"""Migration 0013 copies the place table on SQLite: listings, the rows that refer to them and the hand-built search
indexes (the partial one with its WHERE) come through both ways; going down, what the older schema cannot hold is
settled, not lost silently."""

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.test_migrations import migratable, upgrade_and_seed

HAND_BUILT = {"ix_search_place_visible_geo", "ix_search_place_name_sort"}


async def _place_state(engine: AsyncEngine) -> tuple[int, int, list[tuple[str, str]]]:
    async with engine.connect() as connection:
        places = await connection.scalar(text("SELECT count(*) FROM place"))
        venues = await connection.scalar(text("SELECT count(*) FROM event WHERE venue_place_id IS NOT NULL"))
        if connection.dialect.name == "sqlite":
            # In the order they were made: SQLite's planner breaks ties between equally good indexes by it.
            definitions = text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'place' ORDER BY rowid"
            )
        else:
            definitions = text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'place' ORDER BY 1")
        # Named indexes with their definitions (a partial index keeps its WHERE); unique constraints are SQLite's
        # numbered autoindexes.
        rows = await connection.execute(definitions)
        return places, venues, [(name, sql) for name, sql in rows if name.startswith("ix_")]


async def test_listings_and_their_indexes_survive_the_table_copy_both_ways(backend: str, tmp_path: Path) -> None:
    async with migratable(backend, tmp_path) as (config, engine):
        await upgrade_and_seed(config, engine)
        places, venues, indexes = await _place_state(engine)
        assert places > 0 and venues > 0 and {name for name, _ in indexes} >= HAND_BUILT

        await asyncio.to_thread(command.downgrade, config, "0012")
        assert await _place_state(engine) == (places, venues, indexes)

        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _place_state(engine) == (places, venues, indexes)


async def test_going_down_drafts_without_a_location_leave_and_cancelled_events_are_archived(
    backend: str, tmp_path: Path
) -> None:
    async with migratable(backend, tmp_path) as (config, engine):
        await upgrade_and_seed(config, engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO place (category_code, name, name_sort, address, district_code, phones,"
                    " accessibility, accessibility_mask, languages, tags, attributes, status, is_sample, version,"
                    " created_at, updated_at, warnings, warning_count)"
                    " SELECT category_code, '测试草稿', '', '测试地址', district_code, phones, accessibility, 0,"
                    " languages, tags, attributes, 'draft', is_sample, 1, created_at, updated_at, warnings, 0"
                    " FROM place ORDER BY id LIMIT 1"
                )
            )
            cancelled = await connection.scalar(text("SELECT min(id) FROM event"))
            await connection.execute(text("UPDATE event SET status = 'cancelled' WHERE id = :id"), {"id": cancelled})
        places, _, _ = await _place_state(engine)

        await asyncio.to_thread(command.downgrade, config, "0012")
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM place")) == places - 1
            status = await connection.scalar(text("SELECT status FROM event WHERE id = :id"), {"id": cancelled})
            assert status == "archived"
