"""Rewording marked replies through the NLG, against a scripted model over real HTTP.

Faithful rewording comes back with exactly the template's facts; every attack, a slow model and
a broken one leave the template byte for byte, the decision aside (the reply's metadata says
whether it was reworded and why not); with the switch off the model is never called and the
reply is the template's, metadata included.
"""

from __future__ import annotations

import json
import logging
import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.core.actions.action import ActionBotResponse, RemoteAction
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from analytics.facts import StreamMessage, fact_of
from benchmarks.generation import SAMPLE_VALUES
from guardrails.generation.decisions import REASONS
from guardrails.generation.nlg import (
    GenerationConfigError,
    RephrasingNaturalLanguageGenerator,
)
from guardrails.generation.provider import ChatProvider, Completion
from guardrails.generation.settings import GenerationSettings, generation_settings
from guardrails.rails.config import CONFIG_ENV, load_config
from tests.fakes.llm import ATTACKS, BREAKAGES, MODEL, FakeLLM, prompt_of

ROOT = Path(__file__).resolve().parents[4]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))

# What actions pass for a reply's variables (utter_message(response=..., **values)).
VALUES = SAMPLE_VALUES
VARIABLES = {
    name
    for variants in DOMAIN.responses.values()
    for variant in variants
    for name in re.findall(r"{(\w+)}", variant.get("text", ""))
}
REWORDED = ["utter_order_status_in_motion", "utter_order_status_refunded", "utter_refund_pending"]


def tracker(*entities: dict[str, Any]) -> DialogueStateTracker:
    message = UserUttered(
        "where is my order?",
        intent={"name": "order_status", "confidence": 0.97},
        entities=list(entities),
    )
    return DialogueStateTracker.from_events(
        "shopper-1", [ActionExecuted("action_listen"), message], slots=DOMAIN.slots
    )


async def template(
    name: str,
    track: DialogueStateTracker | None = None,
    domain: Domain = DOMAIN,
    /,
    **values: Any,
) -> dict[str, Any] | None:
    """What Rasa's own template generator says."""
    np.random.seed(7)
    generator = TemplatedNaturalLanguageGenerator(domain.responses)
    return await generator.generate(name, track or tracker(), "rest", **values)


async def reply(
    nlg: RephrasingNaturalLanguageGenerator,
    name: str,
    track: DialogueStateTracker | None = None,
    /,
    **values: Any,
) -> dict[str, Any] | None:
    np.random.seed(7)
    return await nlg.generate(name, track or tracker(), "rest", **values)


def decided(said: dict[str, Any] | None) -> Any:
    """The rewording decision a reply carries in its metadata, if any."""
    assert said is not None
    return (said.get("metadata") or {}).get("generation")


def without_decision(said: dict[str, Any] | None) -> dict[str, Any]:
    """The reply without the decision in its metadata: what the template generator said."""
    assert said is not None
    metadata = {k: v for k, v in (said.get("metadata") or {}).items() if k != "generation"}
    return {**said, "metadata": metadata}


def numbers(text: str) -> list[str]:
    return sorted(re.findall(r"\d+", text))


def on(fake: FakeLLM, budget_ms: float = 2000) -> GenerationSettings:
    return generation_settings(
        {
            "AFTERCARE_GENERATION": "on",
            "LLM_BASE_URL": fake.base_url,
            "LLM_MODEL": MODEL,
            "GENERATION_BUDGET_MS": str(budget_ms),
        }
    )


@pytest.mark.usefixtures("fact_lock_rails")
@pytest.mark.parametrize("name", REWORDED)
async def test_when_the_model_is_faithful_then_the_reply_is_reworded_with_the_same_facts(
    fake_llm: FakeLLM, name: str
) -> None:
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    said = await reply(nlg, name, **VALUES)
    original = await template(name, **VALUES)
    assert said is not None and original is not None
    assert said["text"] != original["text"]
    assert numbers(said["text"]) == numbers(original["text"])
    for variable in re.findall(r"{(\w+)}", DOMAIN.responses[name][0]["text"]):
        assert VALUES[variable].strip() in said["text"]
    assert {k: v for k, v in without_decision(said).items() if k != "text"} == {
        k: v for k, v in original.items() if k != "text"
    }
    assert decided(said) == {"rephrased": True, "reason": "rephrased"}
    assert fake_llm.calls == 1


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_rewording_then_the_model_sees_placeholders_and_no_value(
    fake_llm: FakeLLM,
) -> None:
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    await reply(nlg, "utter_order_status_in_motion", **VALUES)
    sent = prompt_of(fake_llm.requests[0])
    assert "[ORDER_ID_1]" in sent
    for value in ("AC-104233", "1Z999AA10123456784", "November 22, 2026"):
        assert value not in sent
    assert fake_llm.requests[0]["model"] == MODEL


@pytest.mark.usefixtures("fact_lock_rails")
@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("name", REWORDED)
async def test_when_the_model_attacks_then_the_template_is_said_byte_for_byte(
    fake_llm: FakeLLM, attack: str, name: str
) -> None:
    fake_llm.script, fake_llm.attack = "adversarial", attack
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    said = await reply(nlg, name, **VALUES)
    assert without_decision(said) == await template(name, **VALUES)
    assert decided(said)["rephrased"] is False and decided(said)["reason"] in REASONS
    assert fake_llm.calls == 1


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_the_model_is_slower_than_the_budget_then_the_template_is_said_in_time(
    fake_llm: FakeLLM,
) -> None:
    fake_llm.script, fake_llm.delay_s = "slow", 2.0
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm, 300))
    started = time.monotonic()
    said = await reply(nlg, "utter_order_status_in_motion", **VALUES)
    assert time.monotonic() - started < fake_llm.delay_s  # it did not wait for the model
    assert without_decision(said) == await template("utter_order_status_in_motion", **VALUES)
    assert decided(said) == {"rephrased": False, "reason": "budget"}
    assert fake_llm.calls == 1


@pytest.mark.usefixtures("fact_lock_rails")
@pytest.mark.parametrize(
    ("breakage", "reason"),
    [
        ("http_500", "provider_unavailable"),
        ("not_json", "provider_bad_response"),
        ("no_choices", "provider_bad_response"),
        ("empty_content", "provider_bad_response"),
        ("http_401", "provider_refused"),
    ],
)
async def test_when_the_model_is_broken_then_the_template_is_said_and_not_retried(
    fake_llm: FakeLLM, breakage: str, reason: str
) -> None:
    assert breakage in BREAKAGES
    fake_llm.script, fake_llm.breakage = "broken", breakage
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    said = await reply(nlg, "utter_refund_pending", **VALUES)
    assert without_decision(said) == await template("utter_refund_pending", **VALUES)
    assert decided(said) == {"rephrased": False, "reason": reason}
    assert fake_llm.calls == 1


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_the_switch_is_off_then_every_reply_is_the_template_and_nothing_is_called(
    fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AFTERCARE_GENERATION", "off")
    monkeypatch.setenv("LLM_BASE_URL", fake_llm.base_url)
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN)
    values = {name: VALUES.get(name, f"<{name}>") for name in VARIABLES}
    for name in DOMAIN.responses:
        assert await reply(nlg, name, **values) == await template(name, **values), name
    assert fake_llm.calls == 0


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_a_reply_is_not_marked_then_it_is_the_template_and_nothing_is_called(
    fake_llm: FakeLLM,
) -> None:
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    for name in ("utter_order_status_lost", "utter_ask_order_id", "utter_handoff_started"):
        assert "metadata" not in DOMAIN.responses[name][0]
        assert await reply(nlg, name, **VALUES) == await template(name, **VALUES)
    assert fake_llm.calls == 0


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_the_input_rails_flagged_the_message_then_nothing_is_reworded(
    fake_llm: FakeLLM,
) -> None:
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    flagged = tracker({"entity": "guardrail", "value": "injection", "start": 0, "end": 5})
    said = await reply(nlg, "utter_order_status_in_motion", flagged, **VALUES)
    expected = await template("utter_order_status_in_motion", flagged, **VALUES)
    assert without_decision(said) == expected
    assert decided(said) == {"rephrased": False, "reason": "input_flagged"}
    assert fake_llm.calls == 0


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_a_marked_reply_has_a_payload_then_it_is_not_reworded(
    fake_llm: FakeLLM,
) -> None:
    marked = {"rephrase": True}
    domain = Domain.from_dict(
        {
            "responses": {
                "utter_card": [
                    {"text": "Order {order_id}", "custom": {"x": 1}, "metadata": marked}
                ],
                "utter_image": [
                    {"text": "Order {order_id}", "image": "http://i", "metadata": marked}
                ],
                "utter_unfilled": [{"text": "Order {order_id} on {missing}", "metadata": marked}],
            }
        }
    )
    nlg = RephrasingNaturalLanguageGenerator(domain=domain, settings=on(fake_llm))
    for name in domain.responses:
        said = await nlg.generate(name, tracker(), "rest", order_id="AC-104233")
        assert said == await template(name, tracker(), domain, order_id="AC-104233")
    assert fake_llm.calls == 0


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_an_action_sends_its_own_text_then_nothing_is_reworded(
    fake_llm: FakeLLM,
) -> None:
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    await reply(nlg, "utter_refund_pending", text="The action's own words.", **VALUES)
    assert fake_llm.calls == 0


class Exploding(ChatProvider):
    async def complete(self, messages: Any, **kwargs: Any) -> Completion:
        raise RuntimeError("unexpected")


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_anything_raises_then_the_template_is_said(fake_llm: FakeLLM) -> None:
    provider = Exploding(fake_llm.base_url, MODEL)
    nlg = RephrasingNaturalLanguageGenerator(
        domain=DOMAIN, settings=on(fake_llm), provider=provider
    )
    said = await reply(nlg, "utter_refund_pending", **VALUES)
    assert without_decision(said) == await template("utter_refund_pending", **VALUES)
    # the log names the exception's type; the metadata only the fixed word
    assert decided(said) == {"rephrased": False, "reason": "error"}


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_a_marked_reply_holds_a_personal_value_outside_the_facts_then_it_stays(
    fake_llm: FakeLLM,
) -> None:
    domain = Domain.from_dict(
        {"responses": {"utter_hi": [{"text": "Hello {name}!", "metadata": {"rephrase": True}}]}}
    )
    nlg = RephrasingNaturalLanguageGenerator(domain=domain, settings=on(fake_llm))
    said = await nlg.generate("utter_hi", tracker(), "rest", name="Odalys Fenwick")
    assert said is not None and said["text"] == "Hello Odalys Fenwick!"
    assert decided(said) == {"rephrased": False, "reason": "personal_values"}
    assert "Odalys" not in repr(said["metadata"])
    assert fake_llm.calls == 0


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_replies_are_decided_then_each_is_logged_without_its_text(
    fake_llm: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="guardrails.generation")
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    await reply(nlg, "utter_refund_pending", **VALUES)
    fake_llm.script = "adversarial"
    await reply(nlg, "utter_refund_pending", **VALUES)
    decisions = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "guardrails.generation" and '"rephrase"' in r.getMessage()
    ]
    assert [(d["rephrased"], d["reason"]) for d in decisions] == [
        (True, "rephrased"),
        (False, "rail_fact_lock"),
    ]
    assert all(d["response"] == "utter_refund_pending" for d in decisions)
    assert all(d["conversation"] == "shopper-1" and d["provider_ms"] > 0 for d in decisions)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "42.50" not in logged and "credit card" not in logged


def sdk_message(name: str, **values: Any) -> dict[str, Any]:
    """What rasa_sdk sends for ``dispatcher.utter_message(response=name, **values)``."""
    return {
        "text": None,
        "buttons": [],
        "elements": [],
        "custom": {},
        "template": name,
        "response": name,
        "image": None,
        "attachment": None,
        **values,
    }


def flags_of(event: BotUttered) -> frozenset[str]:
    """The flags analytics keeps of the bot event, as the stream carries it."""
    return fact_of(StreamMessage({"sender_id": "shopper-1", **event.as_dict()})).flags


@pytest.mark.usefixtures("fact_lock_rails")
@pytest.mark.parametrize(
    ("script", "rephrased", "reason"),
    [("faithful", True, "rephrased"), ("adversarial", False, "rail_fact_lock")],
)
async def test_the_decision_travels_in_the_bot_event_to_analytics(
    fake_llm: FakeLLM, script: str, rephrased: bool, reason: str
) -> None:
    # Rasa's own path for an action server's reply: RemoteAction puts the response's metadata
    # into the BotUttered event's metadata, which the stream carries.
    fake_llm.script = script
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=on(fake_llm))
    np.random.seed(7)
    [event] = await RemoteAction._utter_responses(
        [sdk_message("utter_refund_pending", **VALUES)], CollectingOutputChannel(), nlg, tracker()
    )
    assert isinstance(event, BotUttered)
    assert event.metadata["utter_action"] == "utter_refund_pending"
    decision = {"rephrased": rephrased, "reason": reason}
    assert event.metadata["metadata"] == {"rephrase": True, "generation": decision}
    assert f"generation={reason}" in flags_of(event)


@pytest.mark.usefixtures("fact_lock_rails")
@pytest.mark.parametrize("switch", ["on", "off"])
async def test_a_template_reply_carries_the_decision_only_with_the_switch_on(
    fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    # Rasa's path for a response a rule or story names (ActionBotResponse).
    monkeypatch.setenv("AFTERCARE_GENERATION", switch)
    monkeypatch.setenv("LLM_BASE_URL", fake_llm.base_url)
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN)
    np.random.seed(7)
    [event] = await ActionBotResponse("utter_greet").run(
        CollectingOutputChannel(), nlg, tracker(), DOMAIN
    )
    assert isinstance(event, BotUttered)
    decided_flags = {f for f in flags_of(event) if f.startswith("generation=")}
    if switch == "off":
        assert event.metadata["metadata"] == {"rephrase": True}  # the domain's, nothing added
        assert decided_flags == set() and fake_llm.calls == 0
    else:
        decision = event.metadata["metadata"]["generation"]
        assert decision["reason"] in REASONS
        assert decision["rephrased"] is (decision["reason"] == "rephrased")
        assert decided_flags == {f"generation={decision['reason']}"}


def test_when_the_switch_is_on_without_a_fact_lock_then_the_server_does_not_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rails = tmp_path / "rails.yml"
    rails.write_text("input: []\noutput: []\n", encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV, str(rails))
    load_config.cache_clear()
    settings = generation_settings({"AFTERCARE_GENERATION": "on"})
    try:
        with pytest.raises(GenerationConfigError, match="fact_lock"):
            RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=settings)
    finally:
        load_config.cache_clear()


@pytest.mark.usefixtures("fact_lock_rails")
async def test_when_a_marked_reply_has_buttons_then_the_text_is_reworded_and_buttons_kept(
    fake_llm: FakeLLM,
) -> None:
    buttons = [{"title": "Talk to a person", "payload": "/request_human"}]
    domain = Domain.from_dict(
        {
            "responses": {
                "utter_packed": [
                    {
                        "text": "Order {order_id} is packed and waiting for the carrier to "
                        "pick it up.",
                        "buttons": buttons,
                        "metadata": {"rephrase": True},
                    }
                ]
            }
        }
    )
    nlg = RephrasingNaturalLanguageGenerator(domain=domain, settings=on(fake_llm))
    said = await nlg.generate("utter_packed", tracker(), "rest", order_id="AC-104233")
    assert said is not None
    assert said["text"] == "Your order AC-104233 has been packed and awaits pickup."
    assert said["buttons"] == buttons
