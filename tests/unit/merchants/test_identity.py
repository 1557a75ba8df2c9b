"""A channel's word about who the shopper is counts only when it is signed."""

from __future__ import annotations

import jwt

from merchants.identity import (
    AUDIENCE,
    channel_claims,
    customer_from_token,
    seal,
    sign_channel_token,
    sign_customer_token,
    unseal,
)


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


def test_a_channel_token_cannot_be_used_as_a_customer_token_or_the_other_way_round() -> None:
    secret = "a-shared-secret-of-at-least-32-bytes"
    channel = sign_channel_token({"tenant": "demo"}, secret)
    assert customer_from_token(channel, secret) is None
    customer = sign_customer_token("C-10001", secret)
    assert channel_claims(customer, secret) == {}


def test_a_channel_token_carries_only_tenant_and_phone() -> None:
    secret = "a-shared-secret-of-at-least-32-bytes"
    token = sign_channel_token({"tenant": "demo", "phone": "sealed"}, secret)
    assert channel_claims(token, secret) == {"tenant": "demo", "phone": "sealed"}
    assert channel_claims(sign_channel_token({"tenant": "demo"}, secret, ttl_s=-5), secret) == {}


def test_a_sealed_phone_opens_only_with_the_same_secret_and_tenant() -> None:
    secret = "a-shared-secret-of-at-least-32-bytes"
    sealed = seal("+14155550101", "demo", secret)
    assert "4155550101" not in sealed
    assert seal("+14155550101", "demo", secret) == sealed  # one number, one conversation id
    assert unseal(sealed, "demo", secret) == "+14155550101"
    assert unseal(sealed, "outdoor", secret) is None  # not replayable at another merchant
    assert unseal(sealed, "demo", "another-secret-of-at-least-32-bytes") is None
    assert unseal("not-base64!!", "demo", secret) is None
