"""TOTP secrets encrypted at rest, codes matched within one step of drift, recovery codes hashed."""

from __future__ import annotations

import base64
import re
import time

import pyotp
import pytest

from web.mfa import RECOVERY_CODE_COUNT, MfaKeys, matching_step, new_recovery_codes, new_secret, otpauth_uri

APP_SECRET = "unit-test-app-secret-0123456789-abcdefghijklmnop"
NOW = 1_800_000_015.0  # a fixed moment, 15 s into a 30-second step
STEP = int(NOW // 30)


def test_a_new_secret_is_base32_of_at_least_160_bits() -> None:
    secret = new_secret()
    assert len(base64.b32decode(secret)) * 8 >= 160


def test_new_secrets_differ() -> None:
    assert new_secret() != new_secret()


def test_the_otpauth_uri_names_the_issuer_and_the_account() -> None:
    secret = new_secret()
    parsed = pyotp.parse_uri(otpauth_uri(secret, "ana@example.com"))
    assert (parsed.secret, parsed.name, parsed.issuer) == (secret, "ana@example.com", "Kraftd Docs")


def test_an_encrypted_secret_decrypts_to_itself() -> None:
    secret = new_secret()
    keys = MfaKeys(APP_SECRET)
    assert keys.decrypt(keys.encrypt(secret)) == secret


def test_an_encrypted_secret_does_not_contain_the_secret() -> None:
    secret = new_secret()
    stored = MfaKeys(APP_SECRET).encrypt(secret)
    assert secret not in stored
    assert secret.lower() not in stored.lower()


def test_the_same_secret_encrypts_differently_each_time() -> None:
    secret = new_secret()
    keys = MfaKeys(APP_SECRET)
    assert keys.encrypt(secret) != keys.encrypt(secret)


def test_a_secret_encrypted_under_another_app_secret_cannot_be_decrypted() -> None:
    stored = MfaKeys("another-app-secret-0123456789-abcdefghijklmnop").encrypt(new_secret())
    with pytest.raises(ValueError, match="cannot be decrypted"):
        MfaKeys(APP_SECRET).decrypt(stored)


def test_the_current_code_matches_the_current_step() -> None:
    secret = new_secret()
    assert matching_step(secret, pyotp.TOTP(secret).at(NOW), now=NOW) == STEP


@pytest.mark.parametrize("drift", [-1, +1])
def test_a_code_one_step_off_matches_its_step(drift: int) -> None:
    secret = new_secret()
    assert matching_step(secret, pyotp.TOTP(secret).at(NOW + 30 * drift), now=NOW) == STEP + drift


@pytest.mark.parametrize("drift", [-3, -2, +2, +3])
def test_a_code_two_or_more_steps_off_does_not_match(drift: int) -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW + 30 * drift)
    near = {pyotp.TOTP(secret).at(NOW + 30 * d) for d in (-1, 0, 1)}
    if code in near:  # one chance in ~300 000 that two steps share a code
        pytest.skip("the far step's code happens to equal a near one")
    assert matching_step(secret, code, now=NOW) is None


def test_a_code_of_another_secret_does_not_match() -> None:
    secret, other = new_secret(), new_secret()
    code = pyotp.TOTP(other).at(NOW)
    near = {pyotp.TOTP(secret).at(NOW + 30 * d) for d in (-1, 0, 1)}
    if code in near:
        pytest.skip("the other secret's code happens to be a valid one")
    assert matching_step(secret, code, now=NOW) is None


def test_a_code_typed_with_spaces_matches() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    assert matching_step(secret, f" {code[:3]} {code[3:]} ", now=NOW) == STEP


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", "+12345", "-12345"])
def test_a_malformed_code_does_not_match(code: str) -> None:
    assert matching_step(new_secret(), code, now=NOW) is None


def test_matching_defaults_to_the_clock() -> None:
    secret = new_secret()
    assert matching_step(secret, pyotp.TOTP(secret).now()) in {int(time.time() // 30) + d for d in (-1, 0, 1)}


def test_there_are_ten_distinct_recovery_codes() -> None:
    codes = new_recovery_codes()
    assert len(codes) == RECOVERY_CODE_COUNT == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{8}", c) for c in codes)


def test_a_recovery_code_hash_does_not_contain_the_code() -> None:
    code = new_recovery_codes()[0]
    hashed = MfaKeys(APP_SECRET).hash_code(code)
    assert code not in hashed
    assert code.replace("-", "") not in hashed


def test_a_recovery_code_hashes_the_same_however_it_is_typed() -> None:
    keys = MfaKeys(APP_SECRET)
    code = "0a1b2c3d-4e5f6a7b"
    assert (
        keys.hash_code(code) == keys.hash_code("0A1B2C3D4E5F6A7B") == keys.hash_code(" 0a1b 2c3d-4e5f 6a7b ")
    )


def test_recovery_code_hashes_depend_on_the_app_secret() -> None:
    code = "0a1b2c3d-4e5f6a7b"
    assert MfaKeys(APP_SECRET).hash_code(code) != MfaKeys("another-app-secret-0123456789-abcdefgh").hash_code(
        code
    )
