"""TOTP multi-factor authentication: secrets encrypted at rest, codes checked once, recovery codes hashed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "Kraftd Docs"
RECOVERY_CODE_COUNT = 10


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())


class MfaKeys:
    """Keys derived from the application secret: one to encrypt TOTP secrets, one to hash recovery codes."""

    def __init__(self, app_secret: str) -> None:
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(app_secret, b"kraftd-mfa-secret")))
        self._code_key = _derive(app_secret, b"kraftd-recovery-code")

    def encrypt(self, totp_secret: str) -> str:
        return self._fernet.encrypt(totp_secret.encode()).decode()

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("MFA secret cannot be decrypted with this key") from exc

    def hash_code(self, code: str) -> str:
        normalised = code.replace("-", "").replace(" ", "").lower()
        return hmac.new(self._code_key, normalised.encode(), hashlib.sha256).hexdigest()


def new_secret() -> str:
    return pyotp.random_base32()


def otpauth_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The TOTP time step `code` belongs to (±1 step of clock drift), or None when it matches none."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):  # isdigit() alone admits "١٢٣٤٥٦"
        return None
    totp = pyotp.TOTP(secret)
    current = int((now or time.time()) // totp.interval)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    return [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
