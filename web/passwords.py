"""Password policy and hashing (argon2id)."""

from __future__ import annotations

import string
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 256  # bounds the hashing cost of a hostile request

# Common passwords long enough to pass the length rule; compared case-insensitively.
_COMMON = frozenset(
    [
        "1234567890",
        "0123456789",
        "12345678910",
        "1234567890a",
        "a1234567890",
        "123456789a",
        "123456789q",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "qwertyuiop1",
        "qwerty1234",
        "qwerty12345",
        "qwerty123456",
        "asdfghjkl1",
        "asdfghjkl;",
        "zxcvbnm123",
        "password12",
        "password123",
        "password1234",
        "password12345",
        "passw0rd123",
        "p@ssw0rd123",
        "p@ssword123",
        "iloveyou12",
        "iloveyou123",
        "welcome123",
        "welcome1234",
        "admin12345",
        "administrator",
        "letmein123",
        "changeme123",
        "football123",
        "baseball123",
        "superman123",
        "princess123",
        "sunshine123",
        "monkey12345",
        "dragon12345",
        "trustno1234",
        "abcdefghij",
        "abcdefghijk",
        "abc1234567",
        "abcd123456",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
        "9876543210",
        "password!!",
        "password!!!",
        "qazwsxedcrfv",
        "zaq12wsxcde3",
        "1qazxsw23edc",
        "passwordpassword",
    ]
)


class WeakPassword(ValueError):
    """The password does not meet the policy; the message says why."""


def check_policy(password: str, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    if sum(classes) < 2:
        raise WeakPassword("Mix at least two kinds of characters: lower case, upper case, digits, symbols.")
    folded = password.lower()
    if folded in _COMMON or len(set(folded)) <= 2:
        raise WeakPassword("This password is too common. Choose one that is harder to guess.")
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and folded.strip(string.digits + string.punctuation) == local:
        raise WeakPassword("Do not use your e-mail address as your password.")


# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): about 30 ms here, cheap enough for a login,
# dear enough for an attacker with the database.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so a miss costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def _normalised(password: str) -> str:
    """One encoding per character (NFKC, as NIST SP 800-63B asks): a password verifies however a keyboard
    composed its accents."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher.hash(_normalised(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    try:
        return (
            _hasher.verify(password_hash or _DUMMY_HASH, _normalised(password)) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
