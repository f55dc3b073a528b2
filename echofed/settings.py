"""Typed settings read from ``ECHOFED_*`` environment variables.

Settings are read once, at the edge (CLI, app factory, worker), and passed down as a value;
nothing below the composition root reads the environment.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AnyHttpUrl, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEV_SECRET = "dev-insecure-secret-change-me"
VAR_DIR = Path("var")


class EmbeddedWorker(StrEnum):
    AUTO = "auto"
    ON = "on"
    OFF = "off"


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class SettingsError(Exception):
    """A setting has a bad value; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECHOFED_", frozen=True, extra="ignore")

    base_url: str | None = None
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'echofed.db'}"
    redis_url: str | None = None
    secret_key: str = "dev-insecure-secret-change-me"  # DEV_SECRET
    demo: bool = True
    allow_private_addresses: bool = False
    authorized_fetch: bool = False
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.TEXT
    embedded_worker: EmbeddedWorker = EmbeddedWorker.AUTO
    max_inbox_bytes: Annotated[int, Field(gt=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    max_fetch_bytes: Annotated[int, Field(gt=1024, le=64 * 1024 * 1024)] = 2 * 1024 * 1024
    fetch_timeout: Annotated[float, Field(gt=0, le=120)] = 10.0
    delivery_timeout: Annotated[float, Field(gt=0, le=120)] = 10.0
    domain_unavailable_after: Annotated[float, Field(gt=0)] = 168.0
    signature_max_age: Annotated[int, Field(ge=60)] = 12 * 3600
    remote_actor_ttl: Annotated[int, Field(ge=60)] = 24 * 3600
    web_concurrency: Annotated[int, Field(ge=1, le=64)] = 1
    worker_concurrency: Annotated[int, Field(ge=1, le=1000)] = 32
    delivery_concurrency_per_host: Annotated[int, Field(ge=1, le=64)] = 4
    sweep_seconds: Annotated[float, Field(gt=0, le=300)] = 5.0
    database_pool_size: Annotated[int, Field(ge=1, le=500)] = 10
    map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = "© OpenStreetMap contributors"
    signup_approval: bool = False
    smtp_host: str | None = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "echofed <noreply@localhost>"
    smtp_starttls: bool = True
    geocoder_url: str = "https://nominatim.openstreetmap.org"
    media_dir: str = str(VAR_DIR / "media")
    max_upload_bytes: Annotated[int, Field(gt=1024, le=100 * 1024 * 1024)] = 5 * 1024 * 1024

    @field_validator("base_url")
    @classmethod
    def _origin_only(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        AnyHttpUrl(value)
        parts = urlsplit(value)
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must be an origin such as https://grandest.example (no path)")
        return f"{parts.scheme}://{parts.netloc}".lower()

    @field_validator("secret_key")
    @classmethod
    def _non_empty_secret(cls, value: str) -> str:
        if len(value) < 16:
            raise ValueError("at least 16 characters (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
        return value

    @property
    def insecure_secret(self) -> bool:
        return self.secret_key == DEV_SECRET

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(an asynchronous SQLAlchemy URL)"
            )
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @model_validator(mode="after")
    def _someone_runs_jobs(self) -> Settings:
        # Without Redis only the embedded worker can run jobs: "off" would accept activities
        # that nothing ever handles.
        if self.embedded_worker is EmbeddedWorker.OFF and not self.redis_url:
            raise ValueError(
                "ECHOFED_EMBEDDED_WORKER=off needs ECHOFED_REDIS_URL (jobs then run in `echofed worker`)"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def runs_embedded_worker(self) -> bool:
        if self.embedded_worker is EmbeddedWorker.AUTO:
            return self.redis_url is None
        return self.embedded_worker is EmbeddedWorker.ON


def load_settings(**overrides: object) -> Settings:
    """Read the environment; raise SettingsError naming the offending variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"]:
                problems.append(f"ECHOFED_{str(error['loc'][0]).upper()}: {error['msg']}")
            else:  # a rule across several variables names them itself
                problems.append(str(error["msg"]).removeprefix("Value error, "))
        raise SettingsError("invalid configuration: " + "; ".join(problems)) from None
