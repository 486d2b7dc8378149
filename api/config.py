"""One Settings object for the whole service, read from the environment (and `.env`)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'svcdir.sqlite3'}"
DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_SQLITE_URL
    database_read_url: str | None = None
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_echo: bool = False
    redis_url: str | None = None

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # Migrating and seeding on start gives a new user a working service with one command;
    # production deployments run `svcdir migrate` as a release step instead.
    auto_migrate: bool = True
    auto_seed: bool = True
    # Realistic sample listings, events, articles and bundles (all marked `sample`) on top of the real
    # reference data; a production directory with its own curated listings turns them off.
    seed_samples: bool = True

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    log_level: str = "INFO"
    log_json: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        weak_secret = self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret.encode()) < 32
        if self.app_env == "production" and weak_secret:
            raise ValueError("JWT_SECRET must be set to a secret of at least 32 bytes in production")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
