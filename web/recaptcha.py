"""reCAPTCHA v3: the token a browser got from Google, checked against the verify endpoint and a score."""

from __future__ import annotations

import logging

import requests

from common.config import Settings

log = logging.getLogger(__name__)


def recaptcha_passes(settings: Settings, token: str | None, remote_ip: str | None) -> bool:
    """True when no secret is configured (the check is off) or the verify endpoint vouches for the token."""
    if not settings.recaptcha_secret_key:
        return True
    if not token:
        return False
    try:
        answer = requests.post(
            settings.recaptcha_verify_url,
            data={"secret": settings.recaptcha_secret_key, "response": token, "remoteip": remote_ip or ""},
            timeout=5,
        )
        answer.raise_for_status()
        verdict = answer.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("reCAPTCHA verification failed to complete: %s", type(exc).__name__)
        return False
    if not isinstance(verdict, dict):
        log.warning("reCAPTCHA verification answered something other than a JSON object")
        return False
    score = verdict.get("score", 0.0)
    return (
        verdict.get("success") is True
        and isinstance(score, int | float)
        and score >= settings.recaptcha_min_score
    )
