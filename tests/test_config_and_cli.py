"""Settings that protect production, the SQLite pragmas, and the `svcdir` command on a fresh database."""

import sqlite3

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from api.cli import app as cli
from api.config import DEVELOPMENT_JWT_SECRET, Settings, get_settings
from api.db import create_engine_for


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="production", jwt_secret=DEVELOPMENT_JWT_SECRET)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="production", jwt_secret="too-short")
    assert Settings(app_env="production", jwt_secret="x" * 32).app_env == "production"


def test_development_runs_on_embedded_sqlite_under_var() -> None:
    settings = Settings(_env_file=None)
    assert settings.is_sqlite and settings.database_url.endswith("/var/svcdir.sqlite3")


async def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path) -> None:  # noqa: ANN001
    engine = create_engine_for(f"sqlite+aiosqlite:///{tmp_path / 'pragmas.sqlite3'}")
    try:
        async with engine.connect() as connection:
            journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
            synchronous = (await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one()
    finally:
        await engine.dispose()
    assert (journal, synchronous, foreign_keys) == ("wal", 2, 1)


def test_cli_migrates_and_seeds_once(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    database = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        migrated = runner.invoke(cli, ["migrate"])
        assert migrated.exit_code == 0, migrated.output
        first = runner.invoke(cli, ["seed"])
        assert first.exit_code == 0, first.output
        assert "district" in first.output and "inserted    16" in first.output
        second = runner.invoke(cli, ["seed"])
        assert second.exit_code == 0 and "already loaded" in second.output
        forced = runner.invoke(cli, ["seed", "--force"])
        assert forced.exit_code == 0
        assert all(line.rstrip().endswith("updated     0") for line in forced.output.splitlines() if line)
        reindexed = runner.invoke(cli, ["reindex"])
        assert reindexed.exit_code == 0
    finally:
        get_settings.cache_clear()
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM district").fetchone() == (16,)
        assert connection.execute("SELECT count(*) FROM place WHERE is_sample").fetchone()[0] >= 600
        places = connection.execute("SELECT count(*) FROM place").fetchone()[0]
    assert f"indexed {places} places" in reindexed.output
