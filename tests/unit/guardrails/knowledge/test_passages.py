"""Each policy rule becomes one short passage rendered from the policy, with its rule named."""

from __future__ import annotations

import pytest

from guardrails.knowledge.passages import Passage, policy_passages
from merchants.policy import MerchantPolicy


def _by_id(policy: MerchantPolicy) -> dict[str, Passage]:
    return {p.id: p for p in policy_passages(policy)}


@pytest.mark.parametrize(
    ("key", "cited"),
    [
        (
            "return_window",
            "Return window: You can return or exchange items within 30 days of delivery.",
        ),
        (
            "final_sale",
            "Final sale: Beauty, underwear, swimwear and gift cards are final sale,"
            " so they can't be returned.",
        ),
        (
            "refund_timing",
            "Refund timing: Refunds to your original payment method arrive in 5 to 7 business"
            " days; store credit arrives immediately.",
        ),
        (
            "return_shipping",
            "Return shipping: Sending items back is free: you get a prepaid return label.",
        ),
        ("shipping_refund", "Shipping cost on returns: The original shipping cost isn't refunded."),
        (
            "cancel",
            "Cancelling an order: You can cancel your order while it is pending, paid or"
            " packed. After it ships, it can't be cancelled.",
        ),
        (
            "support_email",
            "Contacting us: You can e-mail our team at help@demo-outfitters.example.",
        ),
        ("support_hours", "Support hours: Our team answers Monday to Friday, 9am to 6pm Eastern."),
    ],
)
def test_demo_rules_read_as_one_sentence_each(
    demo_policy: MerchantPolicy, key: str, cited: str
) -> None:
    assert _by_id(demo_policy)[key].cited == cited


def test_delayed_and_lost_parcels_name_the_policy_remedies(demo_policy: MerchantPolicy) -> None:
    passages = _by_id(demo_policy)
    assert "wait for the new delivery date or talk to one of our team" in passages["delayed"].text
    assert "7 days past its promised date counts as lost" in passages["delayed"].text
    assert passages["lost"].text == (
        "If your parcel is lost, you can have a replacement sent at no cost,"
        " get a full refund or talk to one of our team."
    )


def test_tau_bench_rules_state_its_own_policy(tau_policy: MerchantPolicy) -> None:
    passages = _by_id(tau_policy)
    assert passages["return_window"].text == (
        "Delivered orders can be returned or exchanged, with no time limit."
    )
    assert passages["final_sale"].text.startswith("Nothing is final sale")
    assert "gift card you already have" in passages["return_options"].text
    assert "store credit" not in passages["return_options"].text
    assert "nothing else about it can be changed" in passages["change_items"].text
    assert passages["cancel"].text == (
        "You can cancel your order while it is pending. After that, it can't be cancelled."
    )


def test_when_the_policy_changes_the_passage_changes(demo_policy: MerchantPolicy) -> None:
    returns = demo_policy.returns.copy(update={"window_days": 60, "free_return_shipping": False})
    changed = demo_policy.copy(update={"returns": returns})
    passages = _by_id(changed)
    assert "within 60 days of delivery" in passages["return_window"].text
    assert passages["return_shipping"].text == "Return shipping is paid by you."


def test_every_rule_is_stated_once(demo_policy: MerchantPolicy) -> None:
    passages = policy_passages(demo_policy)
    assert len({p.id for p in passages}) == len(passages)
    assert sum("30 days" in p.text for p in passages) == 1


def test_final_sale_categories_bring_the_words_shoppers_use(demo_policy: MerchantPolicy) -> None:
    asks = " ".join(_by_id(demo_policy)["final_sale"].asks)
    assert "lipstick" in asks and "bikini" in asks and "gift card" in asks
