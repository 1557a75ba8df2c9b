"""Policy, out-of-scope and not-understood questions: today's replies with the switch off,
the merchant's own answer with it on."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

import actions.knowledge as knowledge
from actions.fallback import ActionNluFallback
from actions.knowledge import ActionAnswerQuestion
from actions.refunds import ActionRefundPolicy
from guardrails.generation.settings import GenerationSettings
from guardrails.knowledge.answer import Summarise
from merchants.faq import faq_path

FINAL_SALE = (
    "Final sale: Beauty, underwear, swimwear and gift cards are final sale,"
    " so they can't be returned."
)
# Today's answer to "can I return a swimsuit?": the asked rule first, then every other one.
# The policy action's own answer to "can I return a swimsuit?": the rule, then the others offered.
TODAYS_POLICY_ANSWER = ["utter_policy_final_sale", "utter_policy_more"]


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> None:
    # The passages' vectors come from the cache the servers use (guardrails/knowledge/retrieval.py):
    # keyed by the passages' texts, so a changed policy file is embedded afresh, never misread.
    monkeypatch.delenv("FAQ_FILE", raising=False)
    monkeypatch.delenv("LLM_BASE_URL", raising=False)


def _switch(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    monkeypatch.setenv("AFTERCARE_GENERATION", "on" if on else "off")


def tracker(
    text: str,
    intent: str = "out_of_scope",
    entities: list[dict[str, Any]] | None = None,
    tenant: str | None = None,
) -> Tracker:
    latest = {"intent": {"name": intent}, "entities": entities or [], "text": text}
    events = [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker(
        "shopper-1", {"tenant": tenant}, latest, events, False, None, {}, "action_listen"
    )


async def _run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return dispatcher.messages, events


def _said(response: str, **values: Any) -> list[dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    dispatcher.utter_message(response=response, **values)
    return dispatcher.messages


@pytest.mark.parametrize("text", ["can I return a swimsuit?", "tell me a joke"])
async def test_when_the_switch_is_off_then_out_of_scope_is_todays_reply(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    _switch(monkeypatch, on=False)
    messages, events = await _run(ActionAnswerQuestion(), tracker(text))
    assert messages == _said("utter_out_of_scope")
    assert events == []


async def test_when_the_switch_is_off_then_the_policy_answer_is_todays(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=False)
    messages, _ = await _run(
        ActionRefundPolicy(), tracker("can I return a swimsuit?", "refund_policy")
    )
    assert [m["response"] for m in messages] == TODAYS_POLICY_ANSWER


async def test_when_the_switch_is_off_then_a_miss_asks_to_rephrase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=False)
    messages, events = await _run(
        ActionNluFallback(), tracker("can I return a swimsuit?", "nlu_fallback")
    )
    assert messages == _said("utter_please_rephrase")
    assert events == [UserUtteranceReverted()]


async def test_when_the_switch_is_on_then_the_asked_rule_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    monkeypatch.setenv("LLM_BASE_URL", "none")
    messages, _ = await _run(
        ActionRefundPolicy(), tracker("can I return a swimsuit?", "refund_policy")
    )
    assert messages == _said("utter_knowledge_answer", answer=FINAL_SALE)


async def test_when_the_switch_is_on_and_nothing_supports_it_then_todays_policy_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    messages, _ = await _run(ActionRefundPolicy(), tracker("tell me a joke", "refund_policy"))
    assert [m["response"] for m in messages] == [
        "utter_policy_window",
        "utter_policy_final_sale",
        "utter_policy_resolutions",
        "utter_policy_return_shipping_free",
        "utter_policy_refund_methods_no_shipping",
    ]


async def test_when_the_switch_is_on_then_an_faq_question_out_of_scope_is_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    messages, events = await _run(ActionAnswerQuestion(), tracker("do you gift wrap?"))
    assert len(messages) == 1 and messages[0]["response"] == "utter_knowledge_answer"
    assert messages[0]["answer"].startswith("Gift wrapping: Gift wrapping is $4.95 per item")
    assert events == []


async def test_when_the_switch_is_on_and_nothing_supports_it_then_out_of_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    messages, _ = await _run(ActionAnswerQuestion(), tracker("tell me a joke"))
    assert messages == _said("utter_out_of_scope")


async def test_when_the_switch_is_on_then_a_miss_the_faq_answers_is_answered_and_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    messages, events = await _run(
        ActionNluFallback(), tracker("do you ship to canada", "nlu_fallback")
    )
    assert messages[0]["answer"].startswith("Where we ship: We ship within the United States")
    assert events == [UserUtteranceReverted()]


async def test_when_the_switch_is_on_and_nothing_supports_a_miss_then_rephrase(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    messages, events = await _run(ActionNluFallback(), tracker("asdf qwerty", "nlu_fallback"))
    assert messages == _said("utter_please_rephrase")
    assert events == [UserUtteranceReverted()]


def _fake_model(calls: list[str]) -> Any:
    def summariser(settings: GenerationSettings) -> Summarise:
        async def summarise(question: str, passages: Sequence[str]) -> str | None:
            calls.append(question)
            return "Swimwear is final sale."

        return summarise

    return summariser


async def test_with_a_model_the_summary_is_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    _switch(monkeypatch, on=True)
    calls: list[str] = []
    monkeypatch.setattr(knowledge, "summariser", _fake_model(calls))
    messages, _ = await _run(ActionAnswerQuestion(), tracker("can I return a swimsuit?"))
    assert messages == _said("utter_knowledge_answer", answer="Final sale: Swimwear is final sale.")
    assert calls == ["can I return a swimsuit?"]


async def test_a_message_the_input_rails_flagged_gets_no_summary(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    calls: list[str] = []
    monkeypatch.setattr(knowledge, "summariser", _fake_model(calls))
    flagged = [{"entity": "guardrail", "value": "injection"}]
    messages, _ = await _run(
        ActionAnswerQuestion(), tracker("can I return a swimsuit?", entities=flagged)
    )
    assert messages == _said("utter_knowledge_answer", answer=FINAL_SALE)
    assert calls == []


async def test_with_no_model_configured_the_summariser_is_not_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    monkeypatch.setenv("LLM_BASE_URL", "none")
    calls: list[str] = []
    monkeypatch.setattr(knowledge, "summariser", _fake_model(calls))
    messages, _ = await _run(ActionAnswerQuestion(), tracker("can I return a swimsuit?"))
    assert messages == _said("utter_knowledge_answer", answer=FINAL_SALE)
    assert calls == []


async def test_each_tenant_is_answered_from_its_own_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _switch(monkeypatch, on=True)
    messages, _ = await _run(
        ActionAnswerQuestion(), tracker("can I return a swimsuit?", tenant="outdoor")
    )
    assert messages[0]["answer"] == (
        "Final sale: Nothing is final sale: items from every category can be returned."
    )


def test_the_faq_file_is_the_tenants_else_faq_file_else_the_demo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert faq_path("outdoor").endswith("data/faq/tau-bench.yml")
    assert faq_path(None).endswith("data/faq/demo.yml")
    monkeypatch.setenv("FAQ_FILE", str(tmp_path / "mine.yml"))
    assert faq_path(None) == str(tmp_path / "mine.yml")
    monkeypatch.setenv("FAQ_FILE", "data/faq/tau-bench.yml")
    assert Path(faq_path(None)).is_file()
    assert faq_path("outdoor").endswith("data/faq/tau-bench.yml")
