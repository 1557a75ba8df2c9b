"""The decision a reply carries: a closed set of reasons, and nothing at all with the switch off."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import guardrails.rails
from guardrails.generation.decisions import (
    DECISION_KEY,
    RAILS,
    REASONS,
    decision,
    public_reason,
)
from guardrails.generation.nlg import Outcome, RephrasingNaturalLanguageGenerator, with_decision
from guardrails.generation.settings import GenerationSettings

ROOT = Path(__file__).resolve().parents[4]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def test_every_rail_package_has_its_reason() -> None:
    packages = {m.name for m in pkgutil.iter_modules(guardrails.rails.__path__) if m.ispkg}
    assert packages == set(RAILS)


@pytest.mark.parametrize(
    ("reason", "public"),
    [
        ("rephrased", "rephrased"),
        ("budget", "budget"),
        ("input_flagged", "input_flagged"),
        ("rail_fact_lock", "rail_fact_lock"),
        ("rail_unknown", "rail_other"),
        ("rail_a new rail", "rail_other"),
        ("provider_timeout", "provider_timeout"),
        ("provider_teapot", "provider_error"),
        ("error: KeyError", "error"),
        ("error: Odalys Fenwick", "error"),
        ("", "error"),
    ],
)
def test_a_reason_leaves_the_nlg_only_as_a_listed_word(reason: str, public: str) -> None:
    assert public_reason(reason) == public
    assert public in REASONS


def test_only_a_listed_rephrased_reason_says_rephrased() -> None:
    assert decision(True, "rephrased") == {"rephrased": True, "reason": "rephrased"}
    assert decision(False, "rail_promises") == {"rephrased": False, "reason": "rail_promises"}
    assert decision(True, "something else") == {"rephrased": False, "reason": "error"}


def test_the_decision_is_added_to_a_copy_of_the_metadata() -> None:
    response = {"text": "Hi!", "metadata": {"rephrase": True}}
    said = with_decision(response, Outcome(False, "error: TimeoutError"))
    assert said == {
        "text": "Hi!",
        "metadata": {"rephrase": True, DECISION_KEY: {"rephrased": False, "reason": "error"}},
    }
    assert response == {"text": "Hi!", "metadata": {"rephrase": True}}


@pytest.mark.parametrize("settings", [GenerationSettings(), GenerationSettings(True, None)])
async def test_with_the_switch_off_or_no_model_no_reply_carries_a_decision(
    settings: GenerationSettings,
) -> None:
    nlg = RephrasingNaturalLanguageGenerator(domain=DOMAIN, settings=settings)
    message = UserUttered("hi", intent={"name": "greet"})
    track = DialogueStateTracker.from_events("s", [ActionExecuted("action_listen"), message])
    marked = [
        name
        for name, variants in DOMAIN.responses.items()
        if all((v.get("metadata") or {}).get("rephrase") is True for v in variants)
        and not any("{" in v.get("text", "") for v in variants)
    ]
    assert "utter_greet" in marked
    for name in marked:
        np.random.seed(0)
        said = await nlg.generate(name, track, "rest")
        assert said is not None and said["metadata"] == {"rephrase": True}, name
