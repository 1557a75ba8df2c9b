"""Fail closed: no string of any event leaves the protector unscrubbed unless proven harmless.

Hypothesis plants personal values anywhere a shopper's words can reach an event (any slot of
the domain or one a designer adds tomorrow, entity values, metadata, button payloads, bot
texts) and checks what would be stored and what would be published.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.shared.core.domain import Domain

from guardrails.pii import Scrubber
from guardrails.pii.events import REDACTED, SUPERSEDED, EventProtector
from stores.tracker import slot_values
from tests.conftest import ROOT

# Each planted value with the text that must never appear again (digits of a card, say).
PERSONAL = {
    "Gwendolyn Abernathy": ["Gwendolyn", "Abernathy"],
    # in lower case a name needs a cue: a bare "ezequiel thornbury" is found by nothing
    "this is ezequiel thornbury": ["ezequiel", "thornbury"],
    "e.thornbury77@example.org": ["thornbury77"],
    "+1 (503) 555-0199": ["555-0199", "5550199"],
    "+44 20 7946 0958": ["7946 0958", "79460958"],
    "4539 1488 0343 6467": ["1488 0343", "14880343"],
    "GB82 WEST 1234 5698 7654 32": ["WEST 1234", "5698 7654"],
    "4417 Larkspur Terrace, Apt 12, Dayton, OH 45402": ["Larkspur"],
    "221B Baker Street": ["Baker Street"],
}
SENTENCES = ["{}", "my details: {}", "I live at {}", "it's {} btw", "{} - call me"]

planted = st.sampled_from(sorted(PERSONAL))
typed = st.builds(lambda s, v: (s.format(v), v), st.sampled_from(SENTENCES), planted)
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
SLOTS = sorted(slot_values(DOMAIN))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def protector(scrubber: Scrubber) -> EventProtector:
    rules = scrubber.config.tracker
    fernet = Fernet(os.environ[rules.key_env].encode())
    return EventProtector(scrubber, rules, fernet, slot_values(DOMAIN))


def leaks(stored: dict[str, Any], value: str) -> list[str]:
    raw = json.dumps(stored, ensure_ascii=False)
    return [part for part in [value, *PERSONAL[value]] if part.lower() in raw.lower()]


@FUZZ
@given(slot=st.sampled_from([*SLOTS, "a_slot_added_tomorrow"]), typed=typed)
def test_no_slot_holds_what_a_shopper_typed_into_it(
    protector: EventProtector, slot: str, typed: tuple[str, str]
) -> None:
    text, value = typed
    event = {"event": "slot", "timestamp": 1.0, "name": slot, "value": text}
    assert leaks(protector.for_store(event), value) == []
    assert leaks(protector.for_stream(event), value) == []


@FUZZ
@given(
    typed=typed,
    where=st.sampled_from(["metadata", "entity", "button", "bot", "action_text", "unknown"]),
)
def test_no_field_of_any_event_holds_it_either(
    protector: EventProtector, typed: tuple[str, str], where: str
) -> None:
    text, value = typed
    event: dict[str, Any] = {
        "metadata": {"event": "user", "name": "x", "text": "hi", "metadata": {"note": [text]}},
        "entity": {
            "event": "user",
            "text": "hi",
            "parse_data": {
                "intent": {"name": "inform"},
                "entities": [{"entity": "x", "value": text}],
            },
        },
        "button": {
            "event": "bot",
            "text": "Pick one",
            "data": {"buttons": [{"title": text, "payload": f'/inform{{"note":"{text}"}}'}]},
        },
        "bot": {"event": "bot", "text": f"So that's {text}, right?"},
        "action_text": {"event": "action", "name": "action_listen", "action_text": text},
        "unknown": {"event": "an_event_rasa_adds_tomorrow", "anything": {"deep": [text]}},
    }[where]  # fmt: skip
    assert leaks(protector.for_store(event), value) == []
    assert leaks(protector.for_stream(event), value) == []


@pytest.mark.parametrize(
    ("slot", "typed", "stored"),
    [
        ("order_id", "AC-104233", "AC-104233"),
        ("order_id", "#W2378156", "#W2378156"),
        ("order_id", "it's order ac 104233, card 4539 1488 0343 6467", "ac 104233"),
        ("order_id", "I live at 27 Rue de la Paix, 75002 Paris", REDACTED),
        ("requested_slot", "order_id", "order_id"),
        ("requested_slot", "Rue de la Paix", REDACTED),
        ("suggestion_state", "offered", "offered"),
        ("suggestion_state", "Rue de la Paix", REDACTED),
    ],
)
def test_a_kept_slot_keeps_only_values_of_its_shape(
    protector: EventProtector, slot: str, typed: str, stored: str
) -> None:
    event = {"event": "slot", "name": slot, "value": typed}
    assert protector.for_store(event)["value"] == stored
    assert protector.for_stream(event)["value"] == stored


def test_rasa_s_own_names_stay_readable(protector: EventProtector) -> None:
    user = {
        "event": "user",
        "text": "where is AC-104233",
        "input_channel": "rest",
        "message_id": "3f2a9c",
        "parse_data": {
            "intent": {"name": "order_status", "confidence": 0.9},
            "intent_ranking": [{"name": "order_status", "confidence": 0.9}],
            "entities": [{"entity": "order_id", "value": "AC-104233", "extractor": "Regex"}],
        },
    }
    stored = protector.for_store(user)
    assert stored["parse_data"]["intent"]["name"] == "order_status"
    assert stored["parse_data"]["entities"][0]["entity"] == "order_id"
    assert stored["input_channel"] == "rest" and "AC-104233" in stored["text"]
    action = protector.for_store({"event": "action", "name": "utter_greet", "policy": "RulePolicy"})
    assert (action["name"], action["policy"]) == ("utter_greet", "RulePolicy")


def test_a_slot_value_replaced_in_the_same_turn_is_not_stored(protector: EventProtector) -> None:
    """The form's text mapping puts the whole message in the slot; the validator clears it."""
    message = "my card is 4539 1488 0343 6467"
    batch = [
        {"event": "slot", "name": "new_address", "value": message},
        {"event": "slot", "name": "new_address", "value": None},
        {"event": "slot", "name": "order_verified", "value": "ann@example.org"},
    ]
    stored = protector.batch_for_store(batch)
    assert stored[0]["value"] == SUPERSEDED
    assert stored[1]["value"] is None
    assert stored[2]["value"].startswith("fernet:v1:")  # still needed next turn: encrypted
    assert protector.reveal(stored[2])["value"] == "ann@example.org"
