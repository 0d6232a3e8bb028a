"""Short-lived signed tokens (e-mail verification, MFA login) and the JWT blocklist in Redis."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

import redis
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

VERIFY_MAX_AGE = 24 * 3600
MFA_MAX_AGE = 5 * 60
RESET_MAX_AGE = 3600
_REVOKED = "kraftd:revoked:"
_REVOKED_BEFORE = "kraftd:revoked-before:"


class InvalidToken(ValueError):
    pass


def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"kraftd-{purpose}")


def make_token(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return str(_serializer(secret, purpose).dumps(payload))


def read_token(secret: str, purpose: str, token: str, max_age: int) -> dict[str, Any]:
    try:
        data = _serializer(secret, purpose).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature) as exc:
        raise InvalidToken(str(exc)) from exc
    if not isinstance(data, dict):
        raise InvalidToken("malformed token")
    return data


def revoke(client: redis.Redis, jti: str, expires_at: int) -> None:
    """Block a JWT until it would have expired anyway."""
    ttl = max(1, int(expires_at - time.time()))
    client.set(_REVOKED + jti, "1", ex=ttl)


def issued_claims() -> dict[str, Any]:
    """Claims every JWT carries: `ts`, when it was issued to the microsecond (`iat` has whole seconds only,
    too coarse to tell a session ended in this second from the one that replaces it)."""
    return {"ts": time.time()}


def revoke_all(client: redis.Redis, subject: str, longest_lifetime: int) -> None:
    """End every session of `subject`: block each JWT issued until now, until the longest-lived would expire.
    Tokens issued afterwards (the new session of a password change, say) are not touched."""
    client.set(_REVOKED_BEFORE + _subject_key(subject), repr(time.time()), ex=max(1, longest_lifetime))


def is_revoked(client: redis.Redis, claims: dict[str, Any]) -> bool:
    """Whether this JWT was revoked alone (logout) or with every session of its subject."""
    return revoked_by(claims, client.mget(revocation_keys(claims)))


def revocation_keys(claims: Mapping[str, Any]) -> list[str]:
    """The keys `revoked_by` reads, in its order (one MGET; `web.polling` pipelines it with the poll)."""
    return [_REVOKED + str(claims["jti"]), _REVOKED_BEFORE + _subject_key(str(claims["sub"]))]


def revoked_by(claims: Mapping[str, Any], values: list[Any]) -> bool:
    """The revocation rule over the values of `revocation_keys`: this token blocked, or issued before its
    subject's cutoff."""
    revoked, cutoff = values
    issued = float(claims.get("ts", claims.get("iat", 0)))
    return revoked is not None or (cutoff is not None and issued <= float(cutoff))


def _subject_key(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()
