"""Our NLU components inside the trained model, as the Rasa server runs them.

The model is the one ``make train`` builds; each test parses one message the way a shopper
would type it and checks what the dialogue will see.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.agent import Agent


@pytest.fixture
def agent(rasa_agent: Agent) -> Agent:
    return rasa_agent


async def parse(agent: Agent, text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = await agent.parse_message(text)
    return parsed


def entity_values(parsed: dict[str, Any], name: str) -> list[str]:
    return [e["value"] for e in parsed.get("entities", []) if e["entity"] == name]


@pytest.mark.parametrize("text", ["flibber wocky zarn", "qqqq zzzz", "   ", "!!!"])
async def test_a_message_of_unknown_words_is_not_understood_rather_than_guessed(
    agent: Agent, text: str
) -> None:
    parsed = await parse(agent, text)
    assert parsed["intent"]["name"] == "nlu_fallback"


async def test_an_order_number_among_unknown_words_is_still_found(agent: Agent) -> None:
    parsed = await parse(agent, "blorp AC-100001 zingo")
    # the pattern and the CRF may both report it: one order either way
    assert set(entity_values(parsed, "order_id")) == {"AC-100001"}
    assert parsed["intent"]["confidence"] > 0.0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("the charger caught fire last night", "safety"),
        ("i'm going to take you to court over this", "legal_threat"),
    ],
)
async def test_words_that_need_a_person_add_a_signal_without_changing_the_intent(
    agent: Agent, text: str, reason: str
) -> None:
    parsed = await parse(agent, text)
    assert entity_values(parsed, "handoff_signal") == [reason]
    assert parsed["intent"]["name"] is not None


async def test_an_ordinary_question_carries_no_handoff_signal(agent: Agent) -> None:
    parsed = await parse(agent, "where is my order AC-100001")
    assert parsed["intent"]["name"] == "order_status"
    assert entity_values(parsed, "handoff_signal") == []


async def test_a_question_in_spanish_is_read_as_another_language(agent: Agent) -> None:
    parsed = await parse(agent, "¿dónde está mi pedido?")
    assert parsed["intent"]["name"] == "other_language"
    assert entity_values(parsed, "language") == ["es"]


@pytest.mark.parametrize(
    "text",
    [
        "where is my order AC-100001",
        "hola, where is my order?",
        "María José Fernández",
        "12 Calle Del Sol, San Diego, CA 92101",
        "si",
        "/affirm",
    ],
)
async def test_english_names_and_answers_are_never_read_as_another_language(
    agent: Agent, text: str
) -> None:
    parsed = await parse(agent, text)
    assert parsed["intent"]["name"] != "other_language"
    assert entity_values(parsed, "language") == []


@pytest.mark.parametrize(
    "template",
    [
        "I want a different option for an item in order {}",
        "how much did I pay for order {}",
        "where is {} please",
    ],
)
async def test_which_order_number_is_named_does_not_change_what_is_understood(
    agent: Agent, template: str
) -> None:
    # two stores' formats; within one, only the digits differ and must not count at all
    for numbers in (["#W2058756", "#W7368886", "#W4522457"], ["AC-931239", "AC-104233"]):
        parsed = [await parse(agent, template.format(number)) for number in numbers]
        assert len({p["intent"]["name"] for p in parsed}) == 1, [p["intent"] for p in parsed]
        confidences = [p["intent"]["confidence"] for p in parsed]
        assert max(confidences) - min(confidences) < 1e-6


async def test_which_email_is_typed_does_not_change_what_is_understood(agent: Agent) -> None:
    emails = ["lee.h@example.org", "martin.richard78@example.com", "x_y+z@shop.co.uk"]
    parsed = [await parse(agent, f"it's under {email}") for email in emails]
    assert len({p["intent"]["name"] for p in parsed}) == 1
    confidences = [p["intent"]["confidence"] for p in parsed]
    assert max(confidences) - min(confidences) < 1e-6
