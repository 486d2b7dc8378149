"""Samples never reach residents in production: SEED_SAMPLES is off there unless set (and refused when set), and
the app refuses to start on a database that publishes sample rows, however it is served (`svcdir serve` says why
before it listens). A demo deployment
(APP_ENV=demo) says so and may show them, with production's other safeguards."""

import asyncio
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from api import lifecycle
from api.cli import app as cli
from api.config import DEVELOPMENT_JWT_SECRET, PROJECT_ROOT, Settings, get_settings
from api.db import Database
from api.main import create_app
from api.samples import SampleDataInProduction, visible_sample_counts
from api.visibility import publicly_visible
from models import Place
from tests.databases import blank_database

SAFE = {"jwt_secret": "x" * 32, "sms_sender": "http", "sms_gateway_url": "https://sms.example.cn/send"}


@pytest.fixture(autouse=True)
def _no_sample_setting_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("SEED_SAMPLES", "APP_ENV"):
        monkeypatch.delenv(variable, raising=False)


def test_samples_are_on_by_default_everywhere_but_in_production() -> None:
    assert Settings(_env_file=None).seed_samples is True
    assert Settings(_env_file=None, app_env="demo", **SAFE).seed_samples is True
    assert Settings(_env_file=None, app_env="production", **SAFE).seed_samples is False
    assert Settings(_env_file=None, app_env="production", seed_samples=False, **SAFE).seed_samples is False


def test_production_refuses_seed_samples_and_demo_keeps_the_production_safeguards() -> None:
    with pytest.raises(ValidationError, match="SEED_SAMPLES is on: production serves no sample data"):
        Settings(_env_file=None, app_env="production", seed_samples=True, **SAFE)
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(_env_file=None, app_env="demo", **{**SAFE, "jwt_secret": DEVELOPMENT_JWT_SECRET})
    with pytest.raises(ValidationError, match="OTP_TEST_NUMBERS"):
        Settings(_env_file=None, app_env="demo", otp_test_numbers="13800000000:123456", **SAFE)
    with pytest.raises(ValidationError, match="SMS_GATEWAY_URL"):
        Settings(_env_file=None, app_env="demo", jwt_secret="x" * 32)


def _settings(url: str, app_env: str, **overrides: object) -> Settings:
    safe = SAFE if app_env in {"demo", "production"} else {}
    return Settings(_env_file=None, database_url=url, app_env=app_env, **safe, **overrides)


async def test_production_refuses_to_start_on_sample_data_until_it_is_withdrawn(backend: str, tmp_path: Path) -> None:
    async with blank_database(backend, tmp_path) as url:
        # A database first served for development, with the samples.
        await asyncio.to_thread(lifecycle.prepare_database, _settings(url, "development"))

        with pytest.raises(SampleDataInProduction) as refused:
            await asyncio.to_thread(lifecycle.prepare_database, _settings(url, "production"))
        assert refused.value.counts["places"] >= 600 and refused.value.counts["events"] > 0
        assert refused.value.counts["articles"] > 0 and refused.value.counts["bundles"] > 0
        assert "svcdir withdraw-samples" in str(refused.value) and "APP_ENV=demo" in str(refused.value)
        # A demo says so, and may serve them.
        await asyncio.to_thread(lifecycle.prepare_database, _settings(url, "demo"))

        withdrawn = await lifecycle.withdraw_sample_data(_settings(url, "production"))
        assert withdrawn == refused.value.counts
        await asyncio.to_thread(lifecycle.prepare_database, _settings(url, "production"))

        database = Database(_settings(url, "production"))
        try:
            async with database.sessionmaker() as session:
                assert set((await visible_sample_counts(session)).values()) == {0}
                # The real reference data stays; the samples are deleted as the directory deletes (a tombstone
                # for every offline cache that holds them).
                places = select(func.count()).select_from(Place)
                assert await session.scalar(places.where(Place.is_sample.is_(False), publicly_visible(Place))) > 0
                deleted = places.where(Place.is_sample, Place.deleted_at.is_not(None))
                assert await session.scalar(deleted) == withdrawn["places"]
        finally:
            await database.dispose()


async def test_svcdir_serve_says_why_it_refuses_and_exits_before_listening(backend: str, tmp_path: Path) -> None:
    async with blank_database(backend, tmp_path) as url:
        await asyncio.to_thread(lifecycle.prepare_database, _settings(url, "development"))
        environment = {
            "DATABASE_URL": url,
            "APP_ENV": "production",
            "JWT_SECRET": "x" * 32,
            "SMS_SENDER": "http",
            "SMS_GATEWAY_URL": "https://sms.example.cn/send",
        }
        get_settings.cache_clear()
        try:
            # An address no server can listen on: were the refusal missing, serving would fail rather than run on.
            arguments = ["serve", "--host", "256.0.0.1", "--port", "8000"]
            result = await asyncio.to_thread(CliRunner().invoke, cli, arguments, env=environment)
        finally:
            get_settings.cache_clear()
    assert result.exit_code == 2
    assert "error: APP_ENV=production, but this database publishes sample data" in result.output


async def _startup_answer(app: FastAPI) -> dict[str, object]:
    """What an ASGI server (uvicorn, gunicorn's uvicorn workers) hears when it starts the app: the lifespan
    protocol's startup answer. A started app is shut down again."""
    received: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    sent: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    running = asyncio.create_task(app(scope, received.get, sent.put))
    await received.put({"type": "lifespan.startup"})
    answer = await sent.get()
    if answer["type"] == "lifespan.startup.complete":
        await received.put({"type": "lifespan.shutdown"})
        assert (await sent.get())["type"] == "lifespan.shutdown.complete"
    await asyncio.gather(running, return_exceptions=True)
    return answer


async def test_the_app_refuses_production_on_sample_data_however_it_is_served(backend: str, tmp_path: Path) -> None:
    """`uvicorn api.main:create_app --factory` or gunicorn start the app without `svcdir serve`'s check."""
    async with blank_database(backend, tmp_path) as url:
        await asyncio.to_thread(lifecycle.prepare_database, _settings(url, "development"))

        refused = await _startup_answer(create_app(_settings(url, "production")))
        assert refused["type"] == "lifespan.startup.failed"
        assert "APP_ENV=production, but this database publishes sample data" in str(refused["message"])
        assert (await _startup_answer(create_app(_settings(url, "demo"))))["type"] == "lifespan.startup.complete"

        await lifecycle.withdraw_sample_data(_settings(url, "production"))
        started = await _startup_answer(create_app(_settings(url, "production")))
        assert started["type"] == "lifespan.startup.complete"


def _container_environment() -> dict[str, str]:
    """The variables the Dockerfile's ENV instructions set, the later ones (the runtime stage) winning."""
    instructions = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    environment: dict[str, str] = {}
    for line in instructions:
        if line.startswith("ENV "):
            environment.update(re.findall(r"(\w+)=(\S+)", line))
    return environment


async def test_the_containers_example_starts_on_a_new_database(backend: str, tmp_path: Path) -> None:
    """What the README's `docker run` gives `svcdir serve`: the image's settings plus the secrets it names."""
    environment = _container_environment()
    assert environment["APP_ENV"] == "production"
    image = {name.lower(): environment[name] for name in ("APP_ENV", "SEED_SAMPLES") if name in environment}
    async with blank_database(backend, tmp_path) as url:
        settings = Settings(_env_file=None, database_url=url, **image, **SAFE)
        assert settings.seed_samples is False
        await asyncio.to_thread(lifecycle.prepare_database, settings)
