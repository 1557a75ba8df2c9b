"""The NLG with the switch off is Rasa's template generator, byte for byte; its small helpers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from guardrails.generation.nlg import (
    RephrasingNaturalLanguageGenerator,
    _eligible,
    build_prompt,
    clean_candidate,
    flagged_by_input_rails,
    max_tokens_for,
)
from guardrails.generation.settings import GenerationSettings

ROOT = Path(__file__).resolve().parents[4]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))
VARIABLES = sorted(
    {
        name
        for variants in DOMAIN.responses.values()
        for variant in variants
        for name in re.findall(r"{(\w+)}", variant.get("text", ""))
    }
)


CHANNELS = ("rest", "socketio", "twilio", "facebook")


def tracker(**slots: Any) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen"), UserUttered("hi", intent={"name": "greet"})]
    events += [SlotSet(name, value) for name, value in slots.items()]
    return DialogueStateTracker.from_events("shopper", events, slots=DOMAIN.slots)


# Unfilled variables make Rasa log an error per reply (slow): one case is enough for those.
@pytest.mark.parametrize(
    ("enabled", "channel", "filled"),
    [
        *((enabled, channel, True) for enabled in (False, True) for channel in CHANNELS),
        (False, "rest", False),
    ],
)
async def test_when_the_switch_is_off_or_no_model_then_every_reply_is_the_templates(
    channel: str, filled: bool, enabled: bool
) -> None:
    # Switched off, or on with LLM_BASE_URL=none: both must leave every reply as Rasa renders it.
    settings = GenerationSettings(enabled=enabled, base_url=None if enabled else "http://x/v1")
    ours = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=settings)
    rasa = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    values = {name: f"<{name} {i}>" for i, name in enumerate(VARIABLES)} if filled else {}
    track = tracker(order_id="AC-104233") if filled else tracker()
    assert len(DOMAIN.responses) > 100
    for i, name in enumerate(DOMAIN.responses):
        np.random.seed(i)
        expected = await rasa.generate(name, track, channel, **values)
        np.random.seed(i)
        assert await ours.generate(name, track, channel, **values) == expected, name


async def test_when_a_response_is_unknown_then_there_is_none_as_with_rasa() -> None:
    ours = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=GenerationSettings())
    assert await ours.generate("utter_nothing_like_this", tracker(), "rest") is None


MARK = {"metadata": {"rephrase": True}}


@pytest.mark.parametrize(
    ("response", "kwargs", "eligible"),
    [
        ({"text": "Order AC-1 is packed.", **MARK}, {}, True),
        ({"text": "Order AC-1.", "buttons": [{"title": "a", "payload": "/b"}], **MARK}, {}, True),
        ({"text": "Order AC-1 is packed."}, {}, False),
        ({"text": "Order AC-1.", "metadata": {"rephrase": "yes"}}, {}, False),
        ({"text": "Order AC-1.", "metadata": {"rephrase": False}}, {}, False),
        ({"text": "Order AC-1.", "metadata": ["rephrase"]}, {}, False),
        ({"text": "Order {order_id}.", **MARK}, {}, False),
        ({"text": "  ", **MARK}, {}, False),
        ({"image": "http://i", **MARK}, {}, False),
        ({"text": "Order AC-1.", "custom": {"a": 1}, **MARK}, {}, False),
        ({"text": "Order AC-1.", "attachment": {"a": 1}, **MARK}, {}, False),
        ({"text": "Order AC-1.", "quick_replies": [{"title": "a"}], **MARK}, {}, False),
        ({"text": "Order AC-1.", "elements": [{"title": "a"}], **MARK}, {}, False),
        ({"text": "Order AC-1.", **MARK}, {"text": "the action's own"}, False),
        ({"text": "Order AC-1.", **MARK}, {"text": None, "buttons": []}, True),
    ],
)
def test_which_replies_may_be_reworded(
    response: dict[str, Any], kwargs: dict[str, Any], eligible: bool
) -> None:
    assert _eligible(response, kwargs) is eligible


@pytest.mark.parametrize(
    ("entities", "flagged"),
    [
        ([], False),
        ([{"entity": "order_id", "value": "AC-104233"}], False),
        ([{"entity": "guardrail", "value": "injection"}], True),
        ([{"entity": "order_id", "value": "x"}, {"entity": "guardrail", "value": "pii"}], True),
    ],
)
def test_when_the_input_rails_put_a_guardrail_entity_then_the_message_is_flagged(
    entities: list[dict[str, Any]], flagged: bool
) -> None:
    message = UserUttered("text", intent={"name": "order_status"}, entities=entities)
    track = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen"), message])
    assert flagged_by_input_rails(track) is flagged


def test_when_the_prompt_is_built_then_the_locked_text_is_the_last_user_message() -> None:
    prompt = build_prompt("Order [ORDER_ID_1] is packed.")
    assert [m.role for m in prompt] == ["system", "user", "assistant", "user"]
    assert prompt[-1].content == "Order [ORDER_ID_1] is packed."
    assert "[ORDER_ID_1]" in prompt[0].content and "same language" in prompt[0].content


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('"Your order is packed."', "Your order is packed."),
        ("“Your order is packed.”", "Your order is packed."),
        ("  Your order is packed.\n", "Your order is packed."),
        ('Your "order" is packed.', 'Your "order" is packed.'),
        ('"', '"'),
    ],
)
def test_when_a_model_quotes_its_whole_answer_then_the_quotes_go(raw: str, clean: str) -> None:
    assert clean_candidate(raw) == clean


@pytest.mark.parametrize(("length", "tokens"), [(10, 48), (200, 100), (2000, 256)])
def test_the_token_limit_follows_the_text(length: int, tokens: int) -> None:
    assert max_tokens_for("x" * length) == tokens
