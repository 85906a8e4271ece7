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
import datetime as dt
import os
import re
import secrets
import tempfile
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from microneedling.errors import InputError

Environment = Literal["development", "production", "test"]
PhotoStoreKind = Literal["local", "postgres"]
SmtpTls = Literal["none", "starttls", "tls"]
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


class ClinicZone(BaseSettings):
    """The clinic's time zone alone: what `plan` reads for its today without the rest of the
    settings (which refuse to load without a secret outside development)."""

    model_config = SettingsConfigDict(
        env_prefix="MICRONEEDLING_", env_file=".env", extra="ignore", frozen=True
    )

    # The clinic's IANA zone: MICRONEEDLING_TIMEZONE (MICRONEEDLING_TIME_ZONE still works).
    time_zone: str = Field(
        default="UTC",
        validation_alias=AliasChoices(
            "time_zone", "MICRONEEDLING_TIMEZONE", "MICRONEEDLING_TIME_ZONE"
        ),
    )

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        """The clinic's IANA time zone (e.g. Europe/London): where "today" is."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/London") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Settings(ClinicZone):
    """Where data lives, how tokens are signed, and the limits the app enforces."""

    environment: Environment = "production"
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    token_ttl_minutes: int = Field(default=8 * 60, ge=1, le=7 * 24 * 60)
    login_max_failures: int = Field(default=5, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_known_address_days: int = Field(default=30, ge=1)
    # Password hashing, argon2id: passes, memory in KiB and lanes. The default is the minimum
    # configuration of the OWASP Password Storage Cheat Sheet (m=19 MiB, t=2, p=1); the sheet
    # lists equal-strength trades of memory for passes (m=46 MiB t=1, m=12 MiB t=3, ...). A hash
    # made with other parameters still verifies, and is re-hashed with these at the next
    # successful log-in.
    argon2_time_cost: int = Field(default=2, ge=1, le=100)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=8, le=4 * 1024 * 1024)
    argon2_parallelism: int = Field(default=1, ge=1, le=64)
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
    # When the diary takes bookings, in the clinic's zone: "mon-fri 09:00-18:00; sat 09:00-13:00".
    opening_hours: str = "mon-fri 09:00-18:00"
    # E-mail to clients (reminders): no host, no e-mail. `smtp_tls` is "starttls" (upgrade a
    # plain connection, port 587), "tls" (TLS from the start, port 465) or "none" (a relay on
    # the same machine or network, port 25).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_sender: str = ""
    smtp_tls: SmtpTls = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=30, gt=0, le=600)
    # Reminders: when they go out (operational choices, not clinical numbers).
    reminder_lead_hours: int = Field(default=48, ge=1, le=24 * 14)
    aftercare_send_time: dt.time = dt.time(18, 0)
    # The job queue: a failed job is retried after retry_base × 2^(attempt − 1) seconds, at most
    # job_max_attempts times; a worker's claim on a job lapses after job_lease_seconds.
    job_max_attempts: int = Field(default=6, ge=1, le=50)
    job_retry_base_seconds: float = Field(default=60, gt=0, le=86_400)
    job_lease_seconds: float = Field(default=300, gt=0, le=86_400)
    worker_poll_seconds: float = Field(default=5, gt=0, le=3600)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        return value

    @model_validator(mode="after")
    def _argon2_memory_per_lane(self) -> Settings:
        """argon2 needs at least 8 KiB of memory for each lane."""
        if self.argon2_memory_kib < 8 * self.argon2_parallelism:
            raise ValueError(
                "MICRONEEDLING_ARGON2_MEMORY_KIB must be at least 8 × "
                "MICRONEEDLING_ARGON2_PARALLELISM"
            )
        return self

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

    @field_validator("smtp_sender")
    @classmethod
    def _plain_address(cls, value: str) -> str:
        """The From address: an e-mail address, optionally with a display name."""
        from email.utils import parseaddr

        if value and "@" not in parseaddr(value)[1]:
            raise ValueError("must be an e-mail address such as Clinic <clinic@example.com>")
        return value

    @model_validator(mode="after")
    def _sender_with_host(self) -> Settings:
        """E-mail needs a From address, and the public URL its opt-out links start with."""
        for name in ("smtp_sender", "public_url"):
            if self.smtp_host and not getattr(self, name):
                raise ValueError(
                    f"MICRONEEDLING_{name.upper()} must be set when MICRONEEDLING_SMTP_HOST is"
                )
        return self

    @field_validator("opening_hours")
    @classmethod
    def _readable_opening_hours(cls, value: str) -> str:
        parse_opening_hours(value)
        return value

    @property
    def opening_hours_by_weekday(self) -> dict[int, tuple[dt.time, dt.time]]:
        """Opening and closing time per weekday (Monday 0); a day not listed is closed."""
        return parse_opening_hours(self.opening_hours)

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
        """The key that signs API tokens: the one set, or the one a local trial generated.

        Reading it writes nothing: the generated secret is made at set-up (`serve`, `db
        upgrade`, `demo`, through `generated_secret`)."""
        if not self.uses_placeholder_secret:
            return self.secret_key.get_secret_value()
        path = self.data_dir / SECRET_FILE
        if not path.is_file():
            message = f"no generated secret in {self.data_dir}: {SECRET_SETUP}"
            raise InputError.one("MICRONEEDLING_SECRET_KEY", message)
        return path.read_text(encoding="utf-8").strip()

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


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OPENING_RULE = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
    r"(?P<open>\d{2}:\d{2})-(?P<close>\d{2}:\d{2})$"
)
OPENING_HELP = 'write e.g. "mon-fri 09:00-18:00; sat 09:00-13:00"'


def parse_opening_hours(text: str) -> dict[int, tuple[dt.time, dt.time]]:
    """Rules separated by ";": days (`mon`, `mon-fri`, `mon,wed`) and `HH:MM-HH:MM`."""
    hours: dict[int, tuple[dt.time, dt.time]] = {}
    for rule in filter(None, (part.strip().lower() for part in text.split(";"))):
        match = OPENING_RULE.match(rule)
        if match is None:
            raise ValueError(f"cannot read {rule!r}; {OPENING_HELP}")
        try:
            opens = dt.time.fromisoformat(match["open"])
            closes = dt.time.fromisoformat(match["close"])
        except ValueError:
            raise ValueError(f"{rule!r} has a time that does not exist") from None
        if closes <= opens:
            raise ValueError(f"{rule!r} closes before it opens")
        for span in match["days"].split(","):
            first, _, last = span.partition("-")
            if first not in WEEKDAYS or (last or first) not in WEEKDAYS:
                raise ValueError(f"{span!r} is not a day; days are {', '.join(WEEKDAYS)}")
            start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
            if end < start:
                raise ValueError(f"{span!r} runs backwards; write the earlier day first")
            for day in range(start, end + 1):
                hours[day] = (opens, closes)
    return hours


SECRET_SETUP = "run `microneedling db upgrade` to make one, or set MICRONEEDLING_SECRET_KEY"


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
