"""Production settings are checked at start-up: the service refuses to run with unsafe ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from common.config import DEV_JWT_SECRET, ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "k3B9x-production-secret-0123456789-abcdefghijklmnop"

PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "jwt_secret_key": STRONG_SECRET,
    "allowed_origins": "https://docs.kraftd.io",
    "recaptcha_secret_key": "recaptcha-secret",
    "debug": False,
}


def refusal(**overrides: Any) -> str:
    """The message of the ConfigError that production settings with `overrides` raise."""
    with pytest.raises(ConfigError) as raised:
        Settings(**{**PRODUCTION, **overrides}).check()
    return str(raised.value)


def test_sound_production_settings_pass() -> None:
    assert Settings(**PRODUCTION).check().environment == "production"


def test_production_refuses_a_missing_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    settings = {k: v for k, v in PRODUCTION.items() if k != "jwt_secret_key"}
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        Settings(**settings).check()


def test_production_refuses_an_empty_jwt_secret() -> None:
    assert "JWT_SECRET_KEY" in refusal(jwt_secret_key="")


def test_production_refuses_the_development_jwt_secret() -> None:
    assert "JWT_SECRET_KEY" in refusal(jwt_secret_key=DEV_JWT_SECRET)


def test_production_refuses_a_short_jwt_secret() -> None:
    assert "JWT_SECRET_KEY" in refusal(jwt_secret_key="short-secret")


@pytest.mark.parametrize("origins", ["*", "https://docs.kraftd.io,*", "https://*.kraftd.io", "", " , "])
def test_production_refuses_wildcard_or_empty_allowed_origins(origins: str) -> None:
    assert "ALLOWED_ORIGINS" in refusal(allowed_origins=origins)


def test_production_refuses_a_missing_recaptcha_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECAPTCHA_SECRET_KEY", raising=False)
    assert "RECAPTCHA_SECRET_KEY" in refusal(recaptcha_secret_key=None)


def test_production_refuses_an_empty_recaptcha_secret() -> None:
    assert "RECAPTCHA_SECRET_KEY" in refusal(recaptcha_secret_key="")


def test_production_refuses_debug_on() -> None:
    assert "DEBUG" in refusal(debug=True)


def test_production_names_every_problem_at_once() -> None:
    message = refusal(
        jwt_secret_key=DEV_JWT_SECRET, allowed_origins="*", recaptcha_secret_key=None, debug=True
    )
    for name in ("JWT_SECRET_KEY", "ALLOWED_ORIGINS", "RECAPTCHA_SECRET_KEY", "DEBUG"):
        assert name in message


def test_the_refusal_does_not_reveal_the_secrets() -> None:
    message = refusal(jwt_secret_key="short-but-secret", debug=True)
    assert "short-but-secret" not in message
    assert "recaptcha-secret" not in message


def test_development_defaults_need_no_secrets() -> None:
    settings = Settings(
        environment="development", jwt_secret_key=DEV_JWT_SECRET, allowed_origins="*", debug=True
    )
    assert settings.check() is settings


def test_production_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name.upper(), str(value).lower() if isinstance(value, bool) else value)
    monkeypatch.setenv("DEBUG", "1")
    with pytest.raises(ConfigError, match="DEBUG"):
        Settings().check()


# --- the process itself --------------------------------------------------------------------------------------


def start_app(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`create_app()` in a process of its own, with `env` on top of a clean slate for the checked settings."""
    base = {k: v for k, v in os.environ.items() if k.upper() not in _CHECKED}
    return subprocess.run(
        [sys.executable, "-c", "from web import create_app; create_app()"],
        cwd=ROOT,
        env={**base, "DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


_CHECKED = {"ENVIRONMENT", "JWT_SECRET_KEY", "ALLOWED_ORIGINS", "RECAPTCHA_SECRET_KEY", "DEBUG", "SENTRY_DSN"}


def test_a_production_process_with_default_settings_refuses_to_start(tmp_path: Path) -> None:
    started = start_app({"ENVIRONMENT": "production"}, tmp_path)
    assert started.returncode != 0
    for name in ("JWT_SECRET_KEY", "RECAPTCHA_SECRET_KEY"):
        assert name in started.stderr
    assert "Refusing to start in production" in started.stderr


def test_a_production_process_names_the_one_problem_left(tmp_path: Path) -> None:
    env = {"ENVIRONMENT": "production", "JWT_SECRET_KEY": STRONG_SECRET, "RECAPTCHA_SECRET_KEY": "r",
           "ALLOWED_ORIGINS": "*"}  # fmt: skip
    started = start_app(env, tmp_path)
    assert started.returncode != 0
    assert "ALLOWED_ORIGINS" in started.stderr
    assert "JWT_SECRET_KEY" not in started.stderr.split("Refusing to start")[-1]


def test_a_production_process_with_sound_settings_starts(tmp_path: Path) -> None:
    env = {"ENVIRONMENT": "production", "JWT_SECRET_KEY": STRONG_SECRET, "RECAPTCHA_SECRET_KEY": "r",
           "ALLOWED_ORIGINS": "https://docs.kraftd.io"}  # fmt: skip
    started = start_app(env, tmp_path)
    assert started.returncode == 0, started.stderr


def test_the_default_allowed_origins_follow_the_port() -> None:
    settings = Settings(port=8123)
    assert settings.origins == ["http://127.0.0.1:8123", "http://localhost:8123"]


def test_no_proxy_is_trusted_unless_the_operator_says_so() -> None:
    assert Settings().trusted_proxies == 0
    assert Settings(trusted_proxies=1).trusted_proxies == 1


def test_the_default_allowed_origins_are_the_page_people_open_not_the_processs_port() -> None:
    # honcho under `make run` hands the web process a PORT of its own; PUBLIC_URL is the page people open.
    settings = Settings(port=8865, public_url="http://127.0.0.1:8765/")
    assert settings.origins == ["http://127.0.0.1:8765", "http://localhost:8765"]
    assert Settings(public_url="https://review.example").origins == ["https://review.example"]
