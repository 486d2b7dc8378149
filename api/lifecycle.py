"""Bringing a database up to date: migrations to head, then the idempotent seed."""

import asyncio
import socket
import time
from pathlib import Path
from typing import Any

import structlog
from alembic import command
from alembic.config import Config

from api.accounts import staff
from api.accounts.passwords import PasswordHasher
from api.calendar import days as calendar_days
from api.calendar import service as calendar_service
from api.calendar.files import read_schedules
from api.calendar.schemas import YearLoaded
from api.config import PROJECT_ROOT, Settings
from api.db import MIGRATION_LOCK, Database, cluster_lock, unit_of_work
from api.feedback import provisional
from api.feedback.photo_stores import storage_for as photo_storage_for
from api.housekeeping import Skipped, run_turn
from api.listings import search_documents, write_hooks
from api.samples import refuse_visible_samples, withdraw_samples
from seed.loader import SeedReport, load_seed

logger = structlog.get_logger(__name__)


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def _database(settings: Settings) -> Database:
    """The engines for a task run outside the app: listings written through their sessions keep their derived
    columns and search documents, as in the app."""
    write_hooks.install()
    return Database(settings)


def migrate(database_url: str, revision: str = "head") -> None:
    """Upgrade to `revision`. Call outside a running event loop (the Alembic env runs its own)."""
    command.upgrade(alembic_config(database_url), revision)


async def seed(settings: Settings, *, force: bool = False) -> SeedReport:
    database = _database(settings)
    try:
        async with database.sessionmaker() as session, session.begin():
            return await load_seed(session, include_samples=settings.seed_samples, force=force)
    finally:
        await database.dispose()


def prepare_database(settings: Settings) -> None:
    """What `svcdir serve` does before it listens: migrate and seed, as the settings allow, one instance at a time
    (instances started together on one PostgreSQL wait for the first, then find the work done); then, in
    production, refuse to go on while residents would see sample data (SampleDataInProduction)."""
    started = time.perf_counter()
    if settings.auto_migrate or settings.auto_seed:
        asyncio.run(_migrate_and_seed(settings))
    if settings.app_env == "production":
        asyncio.run(refuse_sample_data(settings))
    logger.info("database_ready", seconds=round(time.perf_counter() - started, 2))


async def _migrate_and_seed(settings: Settings) -> None:
    async with cluster_lock(settings.database_url, MIGRATION_LOCK):
        if settings.auto_migrate:
            # Alembic's environment runs its own event loop: in a thread of its own.
            await asyncio.to_thread(migrate, settings.database_url)
        if settings.auto_seed:
            report = await seed(settings)
            logger.info("seed", skipped=report.skipped, inserted=report.inserted, updated=report.updated)


async def migrate_in_turn(database_url: str, revision: str = "head") -> None:
    """`svcdir migrate`: as an instance's start does it, waiting for any instance migrating or seeding now."""
    async with cluster_lock(database_url, MIGRATION_LOCK):
        await asyncio.to_thread(migrate, database_url, revision)


async def seed_in_turn(settings: Settings, *, force: bool = False) -> SeedReport:
    """`svcdir seed`: likewise in turn with the instances' starts."""
    async with cluster_lock(settings.database_url, MIGRATION_LOCK):
        return await seed(settings, force=force)


async def refuse_sample_data(settings: Settings) -> None:
    database = _database(settings)
    try:
        await refuse_visible_samples(database.sessionmaker)
    finally:
        await database.dispose()


async def withdraw_sample_data(settings: Settings) -> dict[str, int]:
    """`svcdir withdraw-samples`: every sample row residents could see is deleted (softly, as the directory does)."""
    database = _database(settings)
    try:
        async with database.sessionmaker() as session, unit_of_work(session):
            return await withdraw_samples(session)
    finally:
        await database.dispose()


async def reindex(settings: Settings) -> dict[str, int]:
    """Rebuild the search index from the listings (after a tokenizer or vocabulary change)."""
    database = _database(settings)
    try:
        async with database.engine.begin() as connection:
            return await connection.run_sync(search_documents.rebuild)
    finally:
        await database.dispose()


async def create_staff_user(
    settings: Settings, *, username: str, password: str, role: str, districts: list[str], display_name: str | None
) -> int:
    """`svcdir create-user`: the same rules as the admin endpoint (password strength, grants, unique names)."""
    database = _database(settings)
    try:
        async with database.sessionmaker() as session, unit_of_work(session):
            account = await staff.create_staff(
                session,
                PasswordHasher(settings),
                username=username,
                password=password,
                role=role,
                districts=districts,
                display_name=display_name,
            )
            return account.id
    finally:
        await database.dispose()


async def housekeeping(settings: Settings) -> dict[str, int] | Skipped:
    """One round of upkeep (see api/housekeeping.py), for a scheduler or by hand: done however recently the last
    one was, skipped only while another instance is doing one now."""
    database = _database(settings)
    try:
        await calendar_days.reload(database)
        async with database.sessionmaker() as session, unit_of_work(session):
            return await run_turn(
                session, f"svcdir housekeeping on {socket.gethostname()}", photo_storage=photo_storage_for(settings)
            )
    finally:
        await database.dispose()


async def load_calendar(settings: Settings, path: Path, *, source: str | None) -> list[YearLoaded]:
    """`svcdir calendar load`: every year of the file in one transaction (all of them or none), as the admin
    endpoint loads one: checked, audited, provisional deadlines recomputed."""
    schedules = read_schedules(path, source=source)
    database = _database(settings)
    try:
        async with database.sessionmaker() as session, unit_of_work(session):
            return [
                await calendar_service.load_year(
                    session, year, schedule, actor_id=None, recompute=provisional.recompute
                )
                for year, schedule in sorted(schedules.items())
            ]
    finally:
        await database.dispose()


async def show_calendar(settings: Settings, year: int | None) -> dict[str, Any]:
    database = _database(settings)
    try:
        async with database.sessionmaker() as session:
            return await calendar_service.calendar_answer(session, year, calendar_days.shanghai_today())
    finally:
        await database.dispose()
