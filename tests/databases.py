"""Throwaway test databases on every configured backend: a SQLite file, or a new PostgreSQL database."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL")
POSTGRES_REPLICA_URL = os.environ.get("TEST_POSTGRES_REPLICA_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def configured_redis() -> str | None:
    """Redis for the rate limits (as production runs them); without it they count in process memory."""
    if not REDIS_URL and os.environ.get("CI") == "true":
        raise RuntimeError("CI runs the rate limits on Redis: set TEST_REDIS_URL")
    return REDIS_URL


def configured_backends() -> list[str]:
    backends = ["sqlite"]
    if POSTGRES_ADMIN_URL:
        backends.append("postgresql")
    elif os.environ.get("CI") == "true":
        raise RuntimeError("CI runs every test on PostgreSQL too: set TEST_POSTGRES_URL")
    return backends


def configured_replica() -> str | None:
    """A streaming replica of TEST_POSTGRES_URL's server (`.ci/replica start` makes one on port 5433), for the
    read-replica tests; without PostgreSQL there is nothing to replicate."""
    if not POSTGRES_ADMIN_URL:
        return None
    if not POSTGRES_REPLICA_URL and os.environ.get("CI") == "true":
        raise RuntimeError("CI tests the read replica too: run .ci/replica start and set TEST_POSTGRES_REPLICA_URL")
    return POSTGRES_REPLICA_URL


@asynccontextmanager
async def blank_database(backend: str, folder: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database that is removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / f'{uuid.uuid4().hex}.sqlite3'}"
        return
    assert POSTGRES_ADMIN_URL
    name = f"svcdir_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
