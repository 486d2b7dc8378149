"""Names kept per process are forgotten when another connection (another instance, `svcdir seed`) changes them:
on PostgreSQL through LISTEN/NOTIFY, delivered only on commit; on SQLite (one process) nothing listens."""

import asyncio
import time

from sqlalchemy import select, text, update

from api.db import Database
from api.directory.catalogue import names
from api.main import create_app
from api.notifications_bus import APPLICATION_NAME, NotificationListener, plain_dsn
from models import District
from tests.conftest import app_settings

NEW_NAME = "改名测试区"


async def _district(database: Database) -> tuple[str, str]:
    async with database.sessionmaker() as session:
        row = (await session.execute(select(District.code, District.name).order_by(District.code).limit(1))).one()
    return row.code, row.name


async def _rename(database: Database, code: str, name: str, *, commit: bool = True) -> None:
    """As a writer of reference data does: the change and its announcement in one transaction."""
    async with database.sessionmaker() as session:
        await session.execute(update(District).where(District.code == code).values(name=name))
        await names.announce_reference_change(session)
        await (session.commit() if commit else session.rollback())


async def _name_seen(database: Database, code: str, wanted: str, within_seconds: float) -> bool:
    deadline = time.monotonic() + within_seconds
    while True:
        if (await names.reference_names(database.reader)).districts[code].name == wanted:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)


def test_the_listener_connects_with_a_plain_dsn() -> None:
    assert (
        plain_dsn("postgresql+asyncpg://u:p%40ss@db:5433/svc?ssl=require")
        == "postgresql://u:p%40ss@db:5433/svc?ssl=require"
    )


async def test_a_committed_change_of_a_district_name_is_seen_at_once(database: Database, database_url: str) -> None:
    listener = NotificationListener(database_url, {names.REFERENCE_CHANNEL: names.forget})
    listener.start()
    code, old_name = await _district(database)
    try:
        if not listener.enabled:
            # SQLite: one process, nothing to listen to; the names read stay until this process forgets them.
            assert not listener.running
            await names.reference_names(database.reader)
            await _rename(database, code, NEW_NAME)
            assert (await names.reference_names(database.reader)).districts[code].name == old_name
            names.forget()
            assert (await names.reference_names(database.reader)).districts[code].name == NEW_NAME
            return
        await asyncio.wait_for(listener.listening.wait(), timeout=10)
        assert (await names.reference_names(database.reader)).districts[code].name == old_name
        await _rename(database, code, NEW_NAME)
        # Well within REFERENCE_SECONDS: the notification, not the age of the names, made them be read again.
        assert await _name_seen(database, code, NEW_NAME, within_seconds=2.0)
    finally:
        await _rename(database, code, old_name)
        await listener.aclose()
        names.forget()
    assert not listener.running


async def test_a_rolled_back_change_notifies_no_one(database: Database, database_url: str) -> None:
    listener = NotificationListener(database_url, {names.REFERENCE_CHANNEL: names.forget})
    listener.start()
    code, old_name = await _district(database)
    try:
        if listener.enabled:
            await asyncio.wait_for(listener.listening.wait(), timeout=10)
        kept = await names.reference_names(database.reader)
        await _rename(database, code, NEW_NAME, commit=False)
        await asyncio.sleep(0.5)
        assert await names.reference_names(database.reader) is kept
        assert kept.districts[code].name == old_name
    finally:
        await listener.aclose()


async def test_the_listener_comes_back_after_its_connection_is_dropped(database: Database, database_url: str) -> None:
    listener = NotificationListener(
        database_url, {names.REFERENCE_CHANNEL: names.forget}, first_pause_seconds=0.05, ping_seconds=0.2
    )
    listener.start()
    code, old_name = await _district(database)
    try:
        if not listener.enabled:
            assert not listener.running
            return
        await asyncio.wait_for(listener.listening.wait(), timeout=10)
        async with database.engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            )
            await connection.commit()
        for _ in range(100):
            if not listener.listening.is_set():
                break
            await asyncio.sleep(0.02)
        await asyncio.wait_for(listener.listening.wait(), timeout=10)
        await names.reference_names(database.reader)
        await _rename(database, code, NEW_NAME)
        assert await _name_seen(database, code, NEW_NAME, within_seconds=2.0)
    finally:
        await _rename(database, code, old_name)
        await listener.aclose()
        names.forget()


async def test_the_app_listens_while_it_runs(database_url: str) -> None:
    app = create_app(app_settings(database_url))
    async with app.router.lifespan_context(app):
        listener: NotificationListener = app.state.notifications
        if listener.enabled:
            await asyncio.wait_for(listener.listening.wait(), timeout=10)
        assert listener.running == listener.enabled  # SQLite: one process, nothing to listen to
    assert not listener.running
