"""Settings that protect production, the SQLite pragmas, and the `svcdir` command on a fresh database."""

import sqlite3

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from api.cli import app as cli
from api.config import DEVELOPMENT_JWT_SECRET, Settings, get_settings
from api.db import create_engine_for

PRODUCTION_SMS = {"sms_sender": "http", "sms_gateway_url": "https://sms.example.cn/send"}


def test_production_refuses_the_development_secret() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="production", jwt_secret=DEVELOPMENT_JWT_SECRET, **PRODUCTION_SMS)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="production", jwt_secret="too-short", **PRODUCTION_SMS)
    assert Settings(app_env="production", jwt_secret="x" * 32, **PRODUCTION_SMS).app_env == "production"


def test_production_refuses_test_numbers_and_the_console_sms_sender() -> None:
    with pytest.raises(ValidationError, match="OTP_TEST_NUMBERS"):
        Settings(app_env="production", jwt_secret="x" * 32, otp_test_numbers="13800000000:123456", **PRODUCTION_SMS)
    with pytest.raises(ValidationError, match="SMS_GATEWAY_URL"):
        Settings(app_env="production", jwt_secret="x" * 32)
    development = Settings(_env_file=None, otp_test_numbers="13800000000:123456, 13900000000:654321")
    assert development.otp_test_codes == {"13800000000": "123456", "13900000000": "654321"}


def test_malformed_test_numbers_refuse_to_start() -> None:
    with pytest.raises(ValidationError, match="phone:6-digit-code"):
        Settings(_env_file=None, otp_test_numbers="13800000000:12345")


def test_a_read_replica_is_refused_unless_both_databases_are_postgresql() -> None:
    replica = "postgresql+asyncpg://reader@127.0.0.1:5433/svcdir"
    with pytest.raises(ValidationError, match="DATABASE_READ_URL"):
        Settings(_env_file=None, database_read_url=replica)  # the default DATABASE_URL is SQLite
    with pytest.raises(ValidationError, match="DATABASE_READ_URL"):
        Settings(
            _env_file=None,
            database_url="postgresql+asyncpg://writer@127.0.0.1:5432/svcdir",
            database_read_url="sqlite+aiosqlite:///elsewhere.sqlite3",
        )
    primary = "postgresql+asyncpg://writer@127.0.0.1:5432/svcdir"
    assert Settings(_env_file=None, database_url=primary, database_read_url=replica).database_read_url == replica


def test_access_tokens_cannot_be_configured_to_live_beyond_15_minutes() -> None:
    with pytest.raises(ValidationError, match="access_token_minutes"):
        Settings(_env_file=None, access_token_minutes=60)


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
