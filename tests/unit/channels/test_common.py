"""Shared channel rules: rate limits, provider URLs behind proxies, signed channel metadata."""

from __future__ import annotations

from types import SimpleNamespace

from channels.common import RateLimiter, channel_metadata, public_url
from merchants.identity import channel_claims, channel_secret, unseal


def test_a_sender_gets_a_burst_then_is_limited_until_the_bucket_refills() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    assert [limiter.allow("ann", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("bob", now=0.0)  # other senders are not affected
    assert not limiter.allow("ann", now=0.5)
    assert limiter.allow("ann", now=1.6)  # one message per second comes back


def test_behind_a_proxy_the_signed_url_is_the_public_one() -> None:
    request = SimpleNamespace(
        url="http://10.0.0.5:5005/webhooks/sms/demo?x=1",
        path="/webhooks/sms/demo",
        query_string="x=1",
    )
    assert public_url(request, None) == "http://10.0.0.5:5005/webhooks/sms/demo?x=1"  # type: ignore[arg-type]
    assert (
        public_url(request, "https://help.shop.example/")  # type: ignore[arg-type]
        == "https://help.shop.example/webhooks/sms/demo?x=1"
    )


def test_channel_metadata_names_the_tenant_and_hides_the_phone_number() -> None:
    metadata = channel_metadata("demo", phone="+14155550101")
    token = metadata["channel_token"]
    claims = channel_claims(token, channel_secret())
    assert claims["tenant"] == "demo"
    assert "4155550101" not in token and "4155550101" not in claims["phone"]
    assert unseal(claims["phone"], "demo", channel_secret()) == "+14155550101"
    assert channel_claims(token, "another-secret-of-at-least-32-bytes!") == {}
