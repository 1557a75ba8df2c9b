"""Session start: the tenant and a phone identity count only when a channel signed them."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.session as session
from actions.services.commerce import CustomerNotFound
from actions.session import ActionSessionStart
from merchants.identity import channel_secret, seal, sign_channel_token


class PhoneBook:
    """Stands in for the backend's customer-by-phone lookup."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.asked: list[str] = []

    async def customer_by_phone(self, phone: str) -> str:
        self.asked.append(phone)
        if phone not in self.known:
            raise CustomerNotFound()
        return self.known[phone]


def _tracker(metadata: dict[str, Any]) -> Tracker:
    return Tracker(
        "s1", {"session_started_metadata": metadata}, {}, [], False, None, {}, "action_listen"
    )


async def _slots(metadata: dict[str, Any]) -> dict[str, Any]:
    events = await ActionSessionStart().run(CollectingDispatcher(), _tracker(metadata), {})
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


@pytest.fixture
def phone_book(monkeypatch: pytest.MonkeyPatch) -> PhoneBook:
    book = PhoneBook({"+14155550101": "C-10001"})
    monkeypatch.setattr(session, "client_from_env", lambda tenant=None: book)
    return book


def _channel_token(tenant: str, phone: str | None = None, secret: str | None = None) -> str:
    claims = {"tenant": tenant}
    if phone:
        claims["phone"] = seal(phone, tenant, channel_secret())
    return sign_channel_token(claims, secret or channel_secret())


async def test_when_a_channel_signed_the_tenant_then_the_tenant_slot_is_set() -> None:
    assert await _slots({"channel_token": _channel_token("outdoor")}) == {"tenant": "outdoor"}


async def test_when_the_tenant_is_only_claimed_then_it_is_ignored() -> None:
    forged = _channel_token("outdoor", secret="an-attacker-secret-of-32-bytes-or-more")
    assert await _slots({"channel_token": forged}) == {}
    assert await _slots({"tenant": "outdoor"}) == {}
    assert await _slots({"channel_token": _channel_token("no-such-shop")}) == {}


async def test_when_the_sms_sender_is_a_known_customer_then_they_are_identified(
    phone_book: PhoneBook,
) -> None:
    slots = await _slots({"channel_token": _channel_token("demo", "+14155550101")})
    assert slots == {"tenant": "demo", "customer_id": "C-10001"}
    assert phone_book.asked == ["+14155550101"]


async def test_when_the_sender_is_unknown_then_the_shopper_verifies_as_usual(
    phone_book: PhoneBook,
) -> None:
    slots = await _slots({"channel_token": _channel_token("demo", "+12025550199")})
    assert slots == {"tenant": "demo"}


async def test_when_the_tenant_does_not_trust_sender_numbers_then_none_is_looked_up(
    phone_book: PhoneBook,
) -> None:
    slots = await _slots({"channel_token": _channel_token("outdoor", "+14155550101")})
    assert slots == {"tenant": "outdoor"}
    assert phone_book.asked == []
