"""Settings, read once from the environment into one typed object and passed down."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 - the known development default


class ConfigError(RuntimeError):
    """The settings cannot be used in this environment."""


class Settings(BaseSettings):
    """Every setting of CONTRACT.md, by its environment variable name."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", env_ignore_empty=True)

    environment: Literal["development", "test", "production"] = "development"
    debug: bool = False
    log_level: str = "INFO"
    port: int = 8000
    data_dir: Path = Path("./var")
    public_url: str = ""

    jwt_secret_key: str = DEV_JWT_SECRET
    jwt_access_minutes: int = 15
    jwt_refresh_days: int = 7

    allowed_origins: str = ""  # empty: the page at PUBLIC_URL (see _fill_defaults)
    trusted_proxies: int = 0  # proxies in front whose X-Forwarded-* headers count; 0 ignores them
    rate_limit_enabled: bool = True
    rate_limit_default: str = "100/minute"
    rate_limit_poll: str = "600/minute"
    rate_limit_login: str = "10/minute"

    recaptcha_secret_key: str | None = None
    recaptcha_site_key: str | None = None
    recaptcha_verify_url: str = "https://www.google.com/recaptcha/api/siteverify"
    recaptcha_min_score: float = 0.5

    redis_url: str = "redis://127.0.0.1:6379/0"
    cosmos_endpoint: str | None = None
    cosmos_key: str | None = None
    cosmos_database: str = "kraftdintel"
    azure_storage_connection_string: str | None = None
    azure_storage_account_url: str | None = None
    azure_storage_container: str = "documents"

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    azure_openai_endpoint: str | None = None
    azure_openai_api_key: str | None = None
    azure_openai_deployment: str | None = None

    mail_server: str | None = None
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_username: str | None = None
    mail_password: str | None = None
    mail_from: str = "noreply@kraftd.io"
    sendgrid_api_key: str | None = None

    sentry_dsn: str | None = None
    metrics_enabled: bool = True
    prometheus_multiproc_dir: Path | None = None
    max_upload_mb: int = 25
    enable_ai_export: bool = True
    enable_export_tracking: bool = True
    export_ttl_days: int = 7

    job_max_attempts: int = 3
    heartbeat_timeout_seconds: int = 120
    queued_timeout_seconds: int = 600
    watchdog_interval_seconds: int = 30

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.public_url:
            self.public_url = f"http://127.0.0.1:{self.port}"
        if "redis_url" not in self.model_fields_set and self.stack_redis_file.is_file():
            self.redis_url = self.stack_redis_file.read_text().strip()
        if not self.allowed_origins and self.environment != "production":
            self.allowed_origins = ",".join(_page_origins(self.public_url))
        if self.sendgrid_api_key and not self.mail_server:
            self.mail_server = "smtp.sendgrid.net"
            self.mail_port = 587
            self.mail_use_tls = True
            self.mail_username = "apikey"
            self.mail_password = self.sendgrid_api_key
        return self

    @property
    def stack_redis_file(self) -> Path:
        """Where `make run` writes the URL of its private Redis, so commands run beside it find that one."""
        return self.data_dir / "redis.url"

    @property
    def redis_is_chosen(self) -> bool:
        """REDIS_URL was given, or a `make run` stack in DATA_DIR names its own: never a guess at 6379."""
        return "redis_url" in self.model_fields_set or self.stack_redis_file.is_file()

    @property
    def origins(self) -> list[str]:
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def uses_cosmos(self) -> bool:
        return bool(self.cosmos_endpoint)

    @property
    def uses_azure_blobs(self) -> bool:
        return bool(self.azure_storage_connection_string or self.azure_storage_account_url)

    @property
    def uses_llm(self) -> bool:
        return bool(self.openai_api_key or self.azure_openai_endpoint)

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe for production; empty when they are fine."""
        problems: list[str] = []
        if self.environment != "production":
            return problems
        if not self.jwt_secret_key or self.jwt_secret_key == DEV_JWT_SECRET or len(self.jwt_secret_key) < 32:
            problems.append("JWT_SECRET_KEY must be set to a random secret of at least 32 characters")
        if not self.origins or any("*" in o for o in self.origins):
            problems.append("ALLOWED_ORIGINS must list the exact origins allowed (no '*', not empty)")
        if not self.recaptcha_secret_key:
            problems.append("RECAPTCHA_SECRET_KEY must be set")
        if self.debug:
            problems.append("DEBUG must be off")
        return problems

    def check(self) -> Settings:
        """Raise ConfigError when the settings are not fit for their environment."""
        problems = self.production_problems()
        if problems:
            raise ConfigError("Refusing to start in production: " + "; ".join(problems) + ".")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once."""
    return Settings().check()


# Settings whose values must never reach a log line or an error message.
SECRET_FIELDS = frozenset(
    """jwt_secret_key recaptcha_secret_key cosmos_key openai_api_key azure_openai_api_key mail_password
    sendgrid_api_key azure_storage_connection_string sentry_dsn""".split()
)


_LOOPBACK_TWINS = {"127.0.0.1": "localhost", "localhost": "127.0.0.1"}


def _page_origins(public_url: str) -> list[str]:
    """The origins a browser gives the app's own page at `public_url`: its own, and its loopback twin
    (127.0.0.1 and localhost are different origins to a browser). PUBLIC_URL rather than PORT, because a
    process manager may hand the web process a PORT of its own (honcho under `make run` does)."""
    parts = urlsplit(public_url)
    origins = [f"{parts.scheme}://{parts.netloc}"]
    twin = _LOOPBACK_TWINS.get(parts.hostname or "")
    if twin is not None:
        origins.append(f"{parts.scheme}://{twin}" + (f":{parts.port}" if parts.port else ""))
    return origins
