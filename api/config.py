"""One Settings object for the whole service, read from the environment (and `.env`)."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'svcdir.sqlite3'}"
DEVELOPMENT_JWT_SECRET = "development-only-secret-change-me-in-production"
# Deployments residents use: the production safeguards hold in both; only "demo" may show sample data.
PUBLIC_ENVIRONMENTS = frozenset({"demo", "production"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # "demo": a public deployment that shows the sample data (marked `sample: true`) on purpose, with every other
    # safeguard of "production"; "production" serves no sample at all (api.lifecycle refuses to start with any).
    app_env: Literal["development", "test", "demo", "production"] = "development"
    database_url: str = DEFAULT_SQLITE_URL
    # A streaming replica of DATABASE_URL for the public reads (PostgreSQL only). When connecting to it fails, they
    # go to the primary for DATABASE_READ_RETRY_SECONDS before it is tried again; a short connect timeout keeps a
    # replica that does not answer from holding requests up.
    database_read_url: str | None = None
    database_read_retry_seconds: float = Field(default=30.0, ge=0, le=3600)
    database_read_connect_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_echo: bool = False
    redis_url: str | None = None
    # Keys of the rate-limit counters in Redis start with this (several deployments may share one Redis).
    rate_limit_key_prefix: str = "svcdir"

    # The proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For and X-Forwarded-Proto are
    # believed. Per-address rate limits count the resident's own address only when the load balancer in front is
    # listed here; from any other client the headers are ignored, so they cannot be forged. Empty: trust none.
    trusted_proxies: str = "127.0.0.1,::1"

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    # Migrating and seeding on start gives a new user a working service with one command;
    # production deployments run `svcdir migrate` as a release step instead.
    auto_migrate: bool = True
    auto_seed: bool = True
    # Sample listings, events, articles and bundles (all marked `sample`) on top of the real reference data.
    # Unset: on everywhere but in production, which refuses them (set explicitly there, it refuses to start).
    seed_samples: bool | None = None

    jwt_secret: str = DEVELOPMENT_JWT_SECRET
    jwt_issuer: str = "https://svcdir.sh.cn"
    jwt_audience: str = "svcdir-app"
    access_token_minutes: int = Field(default=15, ge=1, le=15)
    refresh_token_days: int = Field(default=30, ge=1, le=90)

    # Residents' sign-in codes. "console" writes the code to the log (development); "http" posts it to an SMS
    # gateway; "aliyun" and "tencent" send an approved template through the provider's SDK (api/accounts/sms/).
    # OTP_TEST_NUMBERS="13800000000:123456,…" gives fixed codes and sends nothing (never in production).
    sms_sender: Literal["console", "http", "aliyun", "tencent"] = "console"
    sms_gateway_url: str | None = None
    sms_gateway_token: str | None = None
    sms_gateway_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    # The endpoints are scheme://host[:port]; plain http only to this machine (a stand-in or a local relay).
    sms_aliyun_access_key_id: str | None = None
    sms_aliyun_access_key_secret: SecretStr | None = None
    sms_aliyun_sign_name: str | None = None
    sms_aliyun_template_code: str | None = None
    # The template's variable that takes the code: ${code} in "您的验证码为${code}…".
    sms_aliyun_template_param: str = Field(default="code", pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    sms_aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com"
    sms_aliyun_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    sms_tencent_secret_id: str | None = None
    sms_tencent_secret_key: SecretStr | None = None
    sms_tencent_sdk_app_id: str | None = None
    sms_tencent_sign_name: str | None = None
    sms_tencent_template_id: str | None = None
    # What fills the template's {1}, {2}, …, in order: "code" and, if the template says how long it holds, "minutes".
    sms_tencent_template_params: str = "code,minutes"
    sms_tencent_region: str = "ap-guangzhou"
    sms_tencent_endpoint: str = "https://sms.tencentcloudapi.com"
    sms_tencent_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    otp_test_numbers: str = ""

    # argon2id cost (RFC 9106's second recommended option by default). Stored hashes made with other
    # parameters are upgraded at the user's next successful sign-in.
    password_hash_memory_kib: int = Field(default=65536, ge=8192)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_parallelism: int = Field(default=4, ge=1)
    # Where residents' photos (metadata stripped) are kept (api/feedback/photo_stores.py): "folder" (PHOTO_STORAGE_DIR,
    # one machine's disk), "database" (a table of the application database) or "s3" (an S3-compatible bucket: Aliyun
    # OSS, Tencent COS, MinIO …). Unset: "folder" on SQLite, "database" on PostgreSQL, where several instances may
    # serve one database and must all see every photo.
    photo_store: Literal["folder", "database", "s3"] | None = None
    photo_storage_dir: Path = PROJECT_ROOT / "var" / "photos"
    photo_s3_endpoint_url: str | None = None
    photo_s3_bucket: str | None = None
    photo_s3_region: str | None = None
    # Unset: boto3 finds credentials itself (AWS_* environment variables, an instance role).
    photo_s3_access_key_id: str | None = None
    photo_s3_secret_access_key: SecretStr | None = None
    # Object keys start with this, so that the bucket may hold other things: the orphan sweep looks under it only.
    photo_s3_prefix: str = "photos/"
    # OSS and COS answer virtual-hosted style only (bucket.endpoint); MinIO is usually reached in path style.
    photo_s3_addressing_style: Literal["virtual", "path"] = "virtual"
    # Files an operator checked in the console's dry run, kept here (readable by the app's user only) until applied.
    held_imports_dir: Path = PROJECT_ROOT / "var" / "held-imports"
    # How often each worker runs the upkeep round (closing feedback resolved over 7 days ago without a rating,
    # deleting stale sign-in codes, idempotency keys, expired refresh tokens); 0: never, then run
    # `svcdir housekeeping` from a scheduler instead.
    feedback_housekeeping_seconds: int = Field(default=3600, ge=0)

    log_level: str = "INFO"
    log_json: bool = False
    # What /metrics calls this instance (`svcdir_instance_info{instance=...}`); default: hostname:PORT.
    instance_name: str | None = None
    # With `svcdir serve --workers N` (N > 1) the workers' metrics meet in files here, emptied at start, so that
    # /metrics adds up all of them; default: a new temporary directory per start.
    metrics_dir: Path | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _choose_the_photo_store(self) -> "Settings":
        if self.photo_store is None:
            self.photo_store = "folder" if self.is_sqlite else "database"
        if self.photo_store != "s3":
            return self
        if not self.photo_s3_bucket or not self.photo_s3_endpoint_url:
            raise ValueError("PHOTO_STORE=s3 needs PHOTO_S3_BUCKET and PHOTO_S3_ENDPOINT_URL")
        if not self.photo_s3_endpoint_url.startswith(("https://", "http://")):
            raise ValueError("PHOTO_S3_ENDPOINT_URL must be an http:// or https:// URL")
        if self.app_env in PUBLIC_ENVIRONMENTS and not self.photo_s3_endpoint_url.startswith("https://"):
            raise ValueError("residents' photos travel to the bucket over TLS in production: use an https:// endpoint")
        if bool(self.photo_s3_access_key_id) != bool(self.photo_s3_secret_access_key):
            raise ValueError("set both PHOTO_S3_ACCESS_KEY_ID and PHOTO_S3_SECRET_ACCESS_KEY, or neither")
        if self.photo_s3_prefix.startswith("/") or (self.photo_s3_prefix and not self.photo_s3_prefix.endswith("/")):
            raise ValueError("PHOTO_S3_PREFIX is a folder of the bucket such as 'photos/' (no leading slash)")
        return self

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        weak_secret = self.jwt_secret == DEVELOPMENT_JWT_SECRET or len(self.jwt_secret.encode()) < 32
        self.otp_test_codes  # noqa: B018  (a malformed OTP_TEST_NUMBERS refuses to start, in every environment)
        self.trusted_proxy_networks  # noqa: B018  (so does a malformed TRUSTED_PROXIES)
        if self.database_read_url and not (
            self.database_read_url.startswith("postgresql") and self.database_url.startswith("postgresql")
        ):
            raise ValueError("DATABASE_READ_URL is a PostgreSQL replica of a PostgreSQL DATABASE_URL")
        self.sms_tencent_template_param_order  # noqa: B018  (and a malformed SMS_TENCENT_TEMPLATE_PARAMS)
        self._refuse_an_sms_sender_without_what_it_needs()
        if self.seed_samples is None:
            self.seed_samples = self.app_env != "production"
        if self.app_env not in PUBLIC_ENVIRONMENTS:
            return self
        if self.app_env == "production" and self.seed_samples:
            raise ValueError(
                "SEED_SAMPLES is on: production serves no sample data (unset it, or set APP_ENV=demo for a "
                "deployment that shows samples on purpose)"
            )
        if weak_secret:
            raise ValueError("JWT_SECRET must be set to a secret of at least 32 bytes in production")
        if self.otp_test_numbers.strip():
            raise ValueError("OTP_TEST_NUMBERS is for development and tests; it is refused in production")
        if self.sms_sender == "console":
            raise ValueError(
                "production sends sign-in codes by SMS: set SMS_SENDER=http (with SMS_GATEWAY_URL), aliyun or tencent"
            )
        return self

    def _refuse_an_sms_sender_without_what_it_needs(self) -> None:
        required = {
            "console": {},
            "http": {"SMS_GATEWAY_URL": self.sms_gateway_url},
            "aliyun": {
                "SMS_ALIYUN_ACCESS_KEY_ID": self.sms_aliyun_access_key_id,
                "SMS_ALIYUN_ACCESS_KEY_SECRET": self.sms_aliyun_access_key_secret,
                "SMS_ALIYUN_SIGN_NAME": self.sms_aliyun_sign_name,
                "SMS_ALIYUN_TEMPLATE_CODE": self.sms_aliyun_template_code,
            },
            "tencent": {
                "SMS_TENCENT_SECRET_ID": self.sms_tencent_secret_id,
                "SMS_TENCENT_SECRET_KEY": self.sms_tencent_secret_key,
                "SMS_TENCENT_SDK_APP_ID": self.sms_tencent_sdk_app_id,
                "SMS_TENCENT_SIGN_NAME": self.sms_tencent_sign_name,
                "SMS_TENCENT_TEMPLATE_ID": self.sms_tencent_template_id,
            },
        }[self.sms_sender]
        missing = [name for name, value in required.items() if not _is_set(value)]
        if missing:
            raise ValueError(f"SMS_SENDER={self.sms_sender} needs {', '.join(missing)}")

    @field_validator("sms_aliyun_endpoint", "sms_tencent_endpoint")
    @classmethod
    def _sms_endpoint(cls, endpoint: str) -> str:
        """scheme://host[:port] and nothing more; plain http carries the code readable, so only to this machine."""
        address = urlsplit(endpoint.strip())
        if address.scheme not in ("https", "http") or not address.hostname or address.path not in ("", "/"):
            raise ValueError(f"{endpoint!r} is not https://host[:port]")
        try:
            address.port  # noqa: B018  (a port that is not a number in range raises here)
        except ValueError as error:
            raise ValueError(f"{endpoint!r} is not https://host[:port]") from error
        if address.query or address.fragment or address.username or address.password:
            raise ValueError(f"{endpoint!r} is not https://host[:port]")
        if address.scheme == "http" and address.hostname not in LOOPBACK_HOSTS:
            raise ValueError(f"{endpoint!r}: plain http is only for this machine (127.0.0.1, ::1, localhost)")
        return f"{address.scheme}://{address.netloc}"

    @property
    def sms_tencent_template_param_order(self) -> list[str]:
        """SMS_TENCENT_TEMPLATE_PARAMS as a list; anything but "code" and "minutes", each at most once, is refused."""
        names = [name.strip() for name in self.sms_tencent_template_params.split(",") if name.strip()]
        if "code" not in names or not set(names) <= {"code", "minutes"} or len(set(names)) != len(names):
            raise ValueError(
                f"SMS_TENCENT_TEMPLATE_PARAMS={self.sms_tencent_template_params!r}: list code and, if the template "
                "has it, minutes, each once, in the template's order"
            )
        return names

    @property
    def trusted_proxy_networks(self) -> list[str]:
        """TRUSTED_PROXIES as networks (a single address is a /32 or /128); a malformed entry is refused."""
        networks = []
        for entry in filter(None, (part.strip() for part in self.trusted_proxies.split(","))):
            try:
                networks.append(str(ipaddress.ip_network(entry, strict=False)))
            except ValueError as error:
                raise ValueError(f"TRUSTED_PROXIES entry {entry!r} is not an IP address or CIDR network") from error
        return networks

    @property
    def otp_test_codes(self) -> dict[str, str]:
        """Phone → fixed code, from OTP_TEST_NUMBERS."""
        codes: dict[str, str] = {}
        for pair in filter(None, (part.strip() for part in self.otp_test_numbers.split(","))):
            phone, _, code = pair.partition(":")
            phone, code = phone.strip(), code.strip()
            if not (phone.isascii() and phone.isdigit() and len(code) == 6 and code.isascii() and code.isdigit()):
                raise ValueError(f"OTP_TEST_NUMBERS entry {pair!r} is not phone:6-digit-code")
            codes[phone] = code
        return codes


def _is_set(value: str | SecretStr | None) -> bool:
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    return bool(text and text.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
