"""The password policy and argon2id hashing."""

from __future__ import annotations

import unicodedata

import pytest

from web.passwords import MAX_LENGTH, MIN_LENGTH, WeakPassword, check_policy, hash_password, verify_password

GOOD = "Correct-Horse-42-battery"


def test_the_policy_numbers_are_the_contracts() -> None:
    assert (MIN_LENGTH, MAX_LENGTH) == (10, 256)


def test_nine_characters_are_too_few() -> None:
    with pytest.raises(WeakPassword, match="at least 10"):
        check_policy("zebra7lam")


def test_ten_characters_of_two_kinds_are_enough() -> None:
    check_policy("zebra7lamp")


def test_the_maximum_length_is_accepted() -> None:
    check_policy(("Aa1-" * 64)[:MAX_LENGTH])


def test_one_character_over_the_maximum_is_refused() -> None:
    with pytest.raises(WeakPassword, match="at most"):
        check_policy(("Aa1-" * 65)[: MAX_LENGTH + 1])


@pytest.mark.parametrize("password", ["lowercaseonly", "UPPERCASEONLY", "31415926535897", "!@#$%^&*()_+-="])
def test_a_password_of_one_kind_of_character_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="two kinds"):
        check_policy(password)


@pytest.mark.parametrize(
    "password", ["password123", "Password123", "PASSWORD123", "Qwertyuiop1", "1q2w3e4r5t"]
)
def test_a_common_password_is_refused_in_any_case(password: str) -> None:
    with pytest.raises(WeakPassword, match="common"):
        check_policy(password)


def test_two_characters_repeated_are_refused() -> None:
    with pytest.raises(WeakPassword):
        check_policy("ababababAB")


@pytest.mark.parametrize("password", ["jonathan.smith1", "Jonathan.Smith!!", "2024jonathan.smith"])
def test_the_email_name_as_password_is_refused(password: str) -> None:
    with pytest.raises(WeakPassword, match="e-mail"):
        check_policy(password, "jonathan.smith@example.com")


def test_a_passphrase_with_spaces_is_accepted() -> None:
    check_policy("correct horse battery staple")


def test_a_non_ascii_password_of_two_kinds_is_accepted() -> None:
    check_policy("Grüße-aus-Köln")


def test_the_hash_is_argon2id_and_does_not_contain_the_password() -> None:
    hashed = hash_password(GOOD)
    assert hashed.startswith("$argon2id$")
    assert GOOD not in hashed


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password(GOOD) != hash_password(GOOD)


def test_the_right_password_verifies() -> None:
    assert verify_password(hash_password(GOOD), GOOD) is True


def test_a_wrong_password_does_not_verify() -> None:
    assert verify_password(hash_password(GOOD), GOOD.upper()) is False


def test_no_account_never_verifies() -> None:
    assert verify_password(None, GOOD) is False
    assert verify_password(None, "not-a-real-password-only-for-timing") is False


def test_a_corrupt_hash_does_not_verify() -> None:
    assert verify_password("$argon2id$garbage", GOOD) is False
    assert verify_password("", GOOD) is False


def test_an_over_long_password_does_not_verify() -> None:
    long = "Aa1-" * 1000
    assert verify_password(hash_password(GOOD), long) is False


def test_a_password_verifies_however_its_accents_are_encoded() -> None:
    composed = unicodedata.normalize("NFC", "Café-Crème-42")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert verify_password(hash_password(composed), decomposed) is True
    assert verify_password(hash_password(decomposed), composed) is True
