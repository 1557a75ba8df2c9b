"""Agent passwords and tokens: hashed, salted, compared in constant time."""

from __future__ import annotations

from desk.auth import hash_password, same_token, token_hash, verify_password


def test_a_password_verifies_against_its_hash_and_nothing_else() -> None:
    stored = hash_password("correct horse")
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horse!", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("pw") != hash_password("pw")


def test_a_malformed_or_foreign_hash_never_verifies() -> None:
    assert not verify_password("pw", "")
    assert not verify_password("pw", "md5$abc")
    assert not verify_password("pw", "scrypt$x$8$1$c2FsdA$ZGlnZXN0")


def test_tokens_are_stored_as_digests_and_missing_ones_never_match() -> None:
    assert token_hash("abc") != "abc" and len(token_hash("abc")) == 64
    assert same_token("abc", "abc")
    assert not same_token("", "abc") and not same_token(None, "abc")
