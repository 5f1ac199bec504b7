"""Runtime settings: config/warta.yaml (optional), overridden by WARTA_* environment variables.

Secrets (Elasticsearch API key, password; the SMTP password in
WARTA_SMTP_PASSWORD) come only from the environment.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from warta.yamlfile import load_yaml
from warta.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "warta.yaml"

ENV = {
    "WARTA_DATA_DIR": "data_dir",
    "WARTA_SOURCES": "sources_file",
    "WARTA_BACKEND": "backend",
    "WARTA_ES_URL": "es_url",
    "WARTA_ES_ALIAS": "es_alias",
    "WARTA_ES_CA_CERTS": "es_ca_certs",
    "WARTA_ES_API_KEY": "es_api_key",
    "WARTA_ES_USERNAME": "es_username",
    "WARTA_ES_PASSWORD": "es_password",
}


def _check_cron(value: str) -> str:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value)
    except ValueError as e:
        raise ValueError(f"bad cron expression {value!r} (minute hour day month weekday): {e}") from None
    return value


class SourceSchedule(BaseModel):
    """A source crawled on its own rhythm instead of with the nightly crawl."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = None
    interval_minutes: int | None = Field(None, ge=1)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        return v if v is None else _check_cron(v)

    @model_validator(mode="after")
    def _one_of(self) -> "SourceSchedule":
        if (self.cron is None) == (self.interval_minutes is None):
            raise ValueError("give exactly one of cron or interval_minutes")
        return self


class ScheduleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str = "0 2 * * *"  # the nightly crawl, in `timezone`
    timezone: str = "Asia/Jakarta"
    # APScheduler's default grace is 1 s: a nightly run due while the machine
    # was busy or the scheduler restarting would be dropped silently.
    misfire_grace_seconds: int = Field(3600, ge=1)
    # On SIGTERM a running crawl gets SIGINT (Scrapy stops cleanly and the run
    # is recorded as interrupted); after this many seconds it is killed.
    shutdown_grace_seconds: int = Field(60, ge=1)
    sources: dict[str, SourceSchedule] = {}

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        return _check_cron(v)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_dir: Path = PROJECT_ROOT / "data"
    sources_file: Path = PROJECT_ROOT / "config" / "sources.yaml"
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    es_url: str = "http://127.0.0.1:9200"
    es_alias: str = "warta-articles"
    es_ca_certs: str | None = None
    es_api_key: str | None = None
    es_username: str | None = None
    es_password: str | None = None
    user_agent: str = "warta/0.1 (+https://github.com/warta-news/warta; regional election news research crawler)"
    download_timeout: float = 20.0
    max_page_bytes: int = 5_000_000
    cluster_window_days: int = 60
    schedule: ScheduleSettings = ScheduleSettings()
    # Digest e-mail; off unless smtp_host and smtp_to are set. The password is
    # read from WARTA_SMTP_PASSWORD when sending, never from a file.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_from: str = "warta@localhost"
    smtp_to: list[str] = []
    smtp_timeout: float = 30.0

    # Never written to disk by `settings_for_child`; they travel in the environment.
    SECRET_FIELDS: ClassVar[frozenset[str]] = frozenset({"es_api_key", "es_password"})

    @property
    def store_path(self) -> Path:
        return self.data_dir / "warta.sqlite"

    @property
    def fts_path(self) -> Path:
        return self.data_dir / "search-fts.sqlite"


# The parent's resolved settings (config file + environment + command-line
# options), without secrets, for a crawl subprocess: with only the WARTA_*
# variables it would re-read config/warta.yaml and miss a --config file's
# download_timeout, max_page_bytes or user_agent.
RESOLVED_ENV = "WARTA_SETTINGS_JSON"


def to_env(settings: Settings) -> dict[str, str]:
    """The settings as environment variables, so a crawl subprocess sees exactly what the CLI saw."""
    out = {RESOLVED_ENV: settings.model_dump_json(exclude=set(Settings.SECRET_FIELDS))}
    for env, key in ENV.items():
        value = getattr(settings, key)
        if value is not None:
            out[env] = str(value)
    return out


def load_settings(config_file: str | Path | None = None, **overrides: object) -> Settings:
    resolved = None if config_file else os.environ.get(RESOLVED_ENV)
    config_file = config_file or os.environ.get("WARTA_CONFIG") or None
    path = Path(config_file) if config_file else DEFAULT_CONFIG
    values: dict[str, object] = {}
    if resolved:
        path = Path(f"${RESOLVED_ENV}")
        try:
            values.update(json.loads(resolved))
        except ValueError as e:
            raise ConfigError(f"{RESOLVED_ENV}: not JSON ({e})") from None
    elif path.exists():
        loaded = load_yaml(path) or {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of settings")
        values.update(loaded)
    elif config_file:
        raise ConfigError(f"{path}: file not found")
    for env, key in ENV.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(x) for x in first["loc"])
        raise ConfigError(f"{path}: setting {field!r}: {first['msg']}") from None
