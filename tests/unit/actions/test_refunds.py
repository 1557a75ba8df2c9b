"""Answers about the rules come from the policy file, the rule asked about first."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.refunds import ActionRefundPolicy, asked_topics, policy_answers
from merchants.policy import DEFAULT_POLICY_PATH, MerchantPolicy, parse_policy

TAU_POLICY = DEFAULT_POLICY_PATH.parent / "tau-bench.yml"


@pytest.mark.parametrize(
    ("question", "first_topic"),
    [
        ("how many days do i have to send stuff back", "window"),
        ("can i return a bikini i bought on sale", "final_sale"),
        ("can i swap for a bigger size instead", "resolutions"),
        ("do i have to pay postage for returns", "return_shipping"),
        ("how long does a refund take to hit my paypal", "refund_methods"),
        ("refund to my card or gift card?", "refund_methods"),
        ("is underwear returnable and how many days do i get", "final_sale"),
        ("can I return a swimsuit?", "final_sale"),
        ("is perfume returnable", "final_sale"),
    ],
)
def test_the_rule_asked_about_comes_first(question: str, first_topic: str) -> None:
    assert asked_topics(question)[0] == first_topic


def test_a_general_question_names_no_rule() -> None:
    assert asked_topics("what's your returns policy") == []


def test_demo_answers_state_the_demo_rules() -> None:
    answers = policy_answers(parse_policy(DEFAULT_POLICY_PATH))
    assert answers["window"] == ("utter_policy_window", {"window_days": "30"})
    assert answers["final_sale"][1]["categories"] == "beauty, underwear, swimwear or gift cards"
    assert "store credit" in answers["resolutions"][1]["resolutions"]
    assert answers["refund_methods"] == (
        "utter_policy_refund_methods_no_shipping",
        {
            "refund_methods": "to your original payment method (5 to 7 business days)"
            " or as store credit (immediately)"
        },
    )


def test_tau_bench_answers_state_its_rules() -> None:
    answers = policy_answers(parse_policy(TAU_POLICY))
    assert answers["window"] == ("utter_policy_no_window", {})
    assert "final_sale" not in answers  # nothing is final sale there
    assert "store credit" not in answers["resolutions"][1]["resolutions"]


def test_when_the_policy_changes_the_answer_changes(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
    data["returns"]["window_days"] = 60
    data["refunds"]["shipping_cost_refunded"] = True
    path = tmp_path / "p.yml"
    path.write_text(yaml.safe_dump(data))
    policy: MerchantPolicy = parse_policy(path)
    answers = policy_answers(policy)
    assert answers["window"][1] == {"window_days": "60"}
    assert answers["refund_methods"][0] == "utter_policy_refund_methods"


async def _said(question: str) -> list[str]:
    tracker = Tracker.from_dict(
        {
            "sender_id": "policy-question",
            "slots": {},
            "latest_message": {"text": question, "intent": {"name": "refund_policy"}},
            "events": [],
        }
    )
    dispatcher = CollectingDispatcher()
    await ActionRefundPolicy().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages]


async def test_a_question_about_one_rule_gets_that_rule_and_an_offer_of_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AFTERCARE_GENERATION", raising=False)

    said = await _said("can I return a swimsuit?")

    assert said == ["utter_policy_final_sale", "utter_policy_more"]


async def test_a_general_question_about_returns_gets_every_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AFTERCARE_GENERATION", raising=False)

    said = await _said("what's your returns policy?")

    assert said == [
        "utter_policy_window",
        "utter_policy_final_sale",
        "utter_policy_resolutions",
        "utter_policy_return_shipping_free",
        "utter_policy_refund_methods_no_shipping",
    ]
