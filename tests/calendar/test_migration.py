"""Migration 0011: deadlines that chinese-calendar counted through 2027 as Monday to Friday become provisional."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from api.db import create_engine_for
from api.lifecycle import alembic_config
from models.base import UTCDateTime
from tests.databases import blank_database

FEEDBACK = sa.table(
    "feedback",
    sa.column("id", sa.Integer()),
    sa.column("ref", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("status", sa.String()),
    sa.column("title", sa.String()),
    sa.column("body", sa.Text()),
    sa.column("due_at", UTCDateTime()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)


async def test_deadlines_already_set_in_2027_are_marked_provisional(backend: str, tmp_path: Path) -> None:
    async with blank_database(backend, tmp_path) as url:
        config, engine = alembic_config(url), create_engine_for(url)
        try:
            await asyncio.to_thread(command.upgrade, config, "0010")
            received = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
            due = {
                "FK-20261228-IN2026": datetime(2026, 12, 31, 10, 0, tzinfo=UTC),  # 18:00 on 31 December in Shanghai
                "FK-20261228-IN2027": datetime(2027, 1, 4, 10, 0, tzinfo=UTC),
            }
            async with engine.begin() as connection:
                for ref, due_at in due.items():
                    await connection.execute(
                        FEEDBACK.insert().values(
                            ref=ref,
                            kind="suggestion",
                            status="submitted",
                            title="t",
                            body="b",
                            due_at=due_at,
                            created_at=received,
                            updated_at=received,
                        )
                    )
            await asyncio.to_thread(command.upgrade, config, "head")
            async with engine.connect() as connection:
                rows = await connection.execute(sa.text("SELECT ref, due_provisional FROM feedback ORDER BY ref"))
                assert [(ref, bool(flag)) for ref, flag in rows] == [
                    ("FK-20261228-IN2026", False),
                    ("FK-20261228-IN2027", True),
                ]
            await asyncio.to_thread(command.downgrade, config, "0010")
        finally:
            await engine.dispose()
