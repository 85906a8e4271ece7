"""One typed settings object, read once from the environment (prefix `MICRONEEDLING_`) and an
optional `.env` file, then passed down. No other module reads `os.environ`.

Outside development the secret must be set: a guessable secret would let anyone mint API
tokens. In development a random secret is generated once and kept in the data directory so
that every worker of one server signs and checks tokens alike. A data directory that holds
such a generated secret is a local trial (`make run` makes one): every later command on it
works without settings, in any shell. A deployment with a data directory of its own has no
generated secret, so it still refuses to start until `MICRONEEDLING_SECRET_KEY` is set.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "production", "test"]
PhotoStoreKind = Literal["local", "postgres"]
PLACEHOLDER_SECRET = "change-me"
SECRET_FILE = "secret_key"
SECRET_FIX = (
    "MICRONEEDLING_SECRET_KEY is not set; set it with: "
    "export MICRONEEDLING_SECRET_KEY="
    "\"$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')\""
)


def default_data_dir() -> Path:
    """The user's data directory for this application (platform convention)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("microneedling", appauthor=False))


class Settings(BaseSettings):
    """Where data lives, how tokens are signed, and the limits the app enforces."""

    model_config = SettingsConfigDict(
        env_prefix="MICRONEEDLING_", env_file=".env", extra="ignore", frozen=True
    )

    environment: Environment = "production"
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    token_ttl_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_known_address_days: int = Field(default=30, ge=1)
    # Where photo files live: the data directory (one machine) or the PostgreSQL database
    # (shared by every app server).
    photo_store: PhotoStoreKind = "local"
    photo_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    photo_max_pixels: int = Field(default=50_000_000, ge=1)
    request_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    page_size_max: int = Field(default=500, ge=1)
    # FHIR: the clinic's own identifier system for Patient.identifier (default: a urn:uuid of
    # the installation id), and the public base URL that photo links in bundles start with.
    fhir_identifier_system: str = ""
    public_url: str = ""
    time_zone: str = "UTC"

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @field_validator("photo_store")
    @classmethod
    def _store_in_postgres(cls, value: str, info: ValidationInfo) -> str:
        url = str(info.data.get("database_url") or "")
        if value == "postgres" and not url.startswith(("postgresql", "postgres")):
            raise ValueError("postgres needs MICRONEEDLING_DATABASE_URL to be a PostgreSQL URL")
        return value

    @field_validator("fhir_identifier_system")
    @classmethod
    def _absolute_uri(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://", "urn:")):
            raise ValueError("must be an absolute URI (https://…, http://… or urn:…)")
        return value

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an absolute URL (https://… or http://…)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        """The clinic's IANA time zone (e.g. Europe/London): where "today" is."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London") from None
        return value

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.uses_placeholder_secret and not (
            self.environment == "development" or self.is_local_trial
        ):
            raise ValueError(SECRET_FIX)
        return self

    @property
    def uses_placeholder_secret(self) -> bool:
        return self.secret_key.get_secret_value() == PLACEHOLDER_SECRET

    @property
    def is_local_trial(self) -> bool:
        """The data directory holds a secret that development mode generated."""
        return (self.data_dir / SECRET_FILE).is_file()

    @cached_property
    def signing_key(self) -> str:
        """The key that signs API tokens: the one set, or the one development generated."""
        if not self.uses_placeholder_secret:
            return self.secret_key.get_secret_value()
        return generated_secret(self.data_dir)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL with the driver this package ships (psycopg 3 for PostgreSQL)."""
        url = self.database_url or f"sqlite:///{self.data_dir / 'microneedling.db'}"
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"


def generated_secret(data_dir: Path) -> str:
    """The random secret kept in `data_dir`, made on first use (which starts a local trial).

    Workers starting together may all find it missing: each writes a candidate and links it
    into place, which only the first link does, so every worker reads the same secret."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        handle, candidate = tempfile.mkstemp(dir=data_dir, prefix=f".{SECRET_FILE}-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(candidate, path)
        finally:
            os.unlink(candidate)
    return path.read_text(encoding="utf-8").strip()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; overrides (tests, CLI options) win over the environment."""
    return Settings(**overrides)  # type: ignore[arg-type]
