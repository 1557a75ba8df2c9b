"""Answers name the asked rule; a model's summary goes out only when the output rails accept it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import BaseModel

from guardrails.knowledge.answer import Summarise, answer
from guardrails.knowledge.faq import Faq
from guardrails.rails.config import Rail, RailsConfig
from guardrails.rails.types import Context, Decision
from merchants.policy import MerchantPolicy


class _NoSettings(BaseModel):
    pass


def _rails(allowed: bool, seen: list[Context]) -> RailsConfig:
    def check(text: str, context: Context, settings: BaseModel) -> Decision:
        seen.append(context)
        return Decision(rail="grounding", allowed=allowed, reason="" if allowed else "ungrounded")

    return RailsConfig(input=(), output=(Rail("grounding", check, _NoSettings()),))


def _model(reply: str | None, asked: list[tuple[str, list[str]]] | None = None) -> Summarise:
    async def summarise(question: str, passages: Sequence[str]) -> str | None:
        if asked is not None:
            asked.append((question, list(passages)))
        return reply

    return summarise


async def test_without_a_model_the_rule_is_quoted_verbatim(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    found = await answer("can I return a swimsuit?", demo_policy, demo_faq, cache=vectors)
    assert found is not None
    assert found.text == (
        "Final sale: Beauty, underwear, swimwear and gift cards are final sale,"
        " so they can't be returned."
    )
    assert (found.rule, found.generated, found.passage_id) == ("Final sale", False, "final_sale")


async def test_a_question_past_the_window_gets_the_window_rule(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    found = await answer("can I return shoes after 45 days?", demo_policy, demo_faq, cache=vectors)
    assert found is not None
    assert found.text == (
        "Return window: You can return or exchange items within 30 days of delivery."
    )


async def test_an_faq_answer_names_its_rule_and_fills_policy_values(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    found = await answer("can i phone someone", demo_policy, demo_faq, cache=vectors)
    assert found is not None
    assert found.text.startswith("Phone support: We don't take phone calls.")
    assert "help@demo-outfitters.example" in found.text


async def test_when_nothing_supports_the_question_then_there_is_no_answer(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    asked: list[tuple[str, list[str]]] = []
    found = await answer(
        "tell me a joke", demo_policy, demo_faq, _model("ha", asked), cache=vectors
    )
    assert found is None
    assert asked == []  # no model call without passages


async def test_a_summary_the_rails_accept_is_the_answer(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    seen: list[Context] = []
    asked: list[tuple[str, list[str]]] = []
    found = await answer(
        "can I return a swimsuit?",
        demo_policy,
        demo_faq,
        _model("Swimwear is final sale, so it can't be returned.", asked),
        cache=vectors,
        rails=_rails(True, seen),
    )
    assert found is not None
    assert found.text == "Final sale: Swimwear is final sale, so it can't be returned."
    assert found.generated
    final_sale = found.passages[0].text
    assert asked == [("can I return a swimsuit?", [final_sale])]
    assert seen[0].source == final_sale and list(seen[0].passages) == [final_sale]


async def test_a_summary_the_rails_refuse_falls_back_to_the_extract(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    found = await answer(
        "can I return a swimsuit?",
        demo_policy,
        demo_faq,
        _model("Sure, swimsuits can be returned within 90 days!"),
        cache=vectors,
        rails=_rails(False, []),
    )
    assert found is not None
    assert found.text.startswith("Final sale: Beauty, underwear, swimwear and gift cards")
    assert not found.generated
    assert found.refused_by == "grounding"


@pytest.mark.parametrize("reply", [None, "", "   "])
async def test_an_empty_summary_falls_back_to_the_extract(
    reply: str | None, demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    found = await answer(
        "how long do refunds take?",
        demo_policy,
        demo_faq,
        _model(reply),
        cache=vectors,
        rails=_rails(True, []),
    )
    assert found is not None and not found.generated
    assert found.text.startswith("Refund timing: ")


async def test_a_failing_or_slow_model_falls_back_to_the_extract(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    async def broken(question: str, passages: Sequence[str]) -> str | None:
        raise ConnectionError("model down")

    async def slow(question: str, passages: Sequence[str]) -> str | None:
        import asyncio

        await asyncio.sleep(5)
        return "too late"

    for summarise in (broken, slow):
        found = await answer(
            "how long do refunds take?",
            demo_policy,
            demo_faq,
            summarise,
            timeout_s=0.05,
            cache=vectors,
            rails=_rails(True, []),
        )
        assert found is not None and not found.generated
        assert found.text.startswith("Refund timing: ")
