"""A channel's word about who the shopper is counts only when it is signed."""

from __future__ import annotations

import jwt

from actions.identity import AUDIENCE, customer_from_token, sign_customer_token


def test_when_token_is_signed_with_the_shared_secret_then_customer_is_known() -> None:
    token = sign_customer_token("C-10001", "a-shared-secret-of-at-least-32-bytes")
    assert customer_from_token(token, "a-shared-secret-of-at-least-32-bytes") == "C-10001"


def test_when_token_is_signed_with_another_secret_then_it_is_ignored() -> None:
    token = sign_customer_token("C-10001", "an-attacker-secret-of-32-bytes-or-more")
    assert customer_from_token(token, "a-shared-secret-of-at-least-32-bytes") is None


def test_when_token_has_expired_then_it_is_ignored() -> None:
    token = sign_customer_token("C-10001", "a-shared-secret-of-at-least-32-bytes", ttl_s=-10)
    assert customer_from_token(token, "a-shared-secret-of-at-least-32-bytes") is None


def test_when_token_is_unsigned_then_it_is_ignored() -> None:
    token = jwt.encode({"sub": "C-10001", "aud": AUDIENCE}, None, algorithm="none")
    assert customer_from_token(token, "a-shared-secret-of-at-least-32-bytes") is None


def test_when_token_is_missing_or_garbage_then_it_is_ignored() -> None:
    for junk in (None, "", 42, "not.a.jwt", {"sub": "C-1"}):
        assert customer_from_token(junk, "a-shared-secret-of-at-least-32-bytes") is None
