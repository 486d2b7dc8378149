"""Alembic environment: async engines, batch mode on SQLite, search-index objects kept out of autogenerate."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from api.config import get_settings
from api.db import create_engine_for
from models.base import include_in_autogenerate

config = context.config
target_metadata = SQLModel.metadata


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_in_autogenerate,
        compare_type=True,
        compare_server_default=False,
    )


def _sqlite_foreign_keys(connection: Connection, *, enforced: bool) -> None:
    # Set on the driver's connection, outside any transaction: inside one SQLite ignores the pragma.
    cursor = connection.connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    cursor.close()


def _run_on(connection: Connection) -> None:
    _configure(connection)
    sqlite = connection.dialect.name == "sqlite"
    # A batch migration on SQLite copies a table, drops the original and renames the copy; with foreign keys
    # enforced, dropping a table that others reference fails. SQLite's documented procedure for such changes:
    # enforcement off, the change, then a check that every reference still holds before it commits.
    if sqlite:
        _sqlite_foreign_keys(connection, enforced=False)
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                raise RuntimeError(f"the migration left rows whose references do not hold: {broken[:5]}")
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, enforced=True)


async def _run_async() -> None:
    engine = create_engine_for(database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on)
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        include_object=include_in_autogenerate,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (shared := config.attributes.get("connection")) is not None:
    # Tests and the app hand in an open (sync-facing) connection so migrations share their engine.
    _run_on(shared)
else:
    asyncio.run(_run_async())
