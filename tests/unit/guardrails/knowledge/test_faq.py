"""The FAQ file is validated strictly and never contradicts the policy file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from guardrails.knowledge.faq import Faq, FaqError, faq_passages, parse_faq
from merchants.policy import MerchantPolicy

from .conftest import DEMO_FAQ, TAU_FAQ

GOOD = {"id": "gift_wrap", "question": "Do you gift wrap?", "answer": "Yes, for $4.95."}


def _write(tmp_path: Path, entries: object) -> Path:
    path = tmp_path / "faq.yml"
    path.write_text(yaml.safe_dump({"entries": entries}), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{**GOOD, "colour": "red"}], "extra fields not permitted"),
        ([{k: v for k, v in GOOD.items() if k != "answer"}], "answer"),
        ([{**GOOD, "id": "Gift Wrap"}], "lower-case"),
        ([GOOD, GOOD], "duplicate ids"),
        ([{**GOOD, "answer": "Write to {support_phone}."}], "unknown placeholders"),
        ([{**GOOD, "answer": "Write to {support_email."}], "unbalanced braces"),
        ([{**GOOD, "rule": "  "}], "must not be blank"),
    ],
)
def test_when_an_entry_is_malformed_then_the_file_is_refused(
    tmp_path: Path, entries: object, message: str
) -> None:
    with pytest.raises(FaqError, match=message):
        parse_faq(_write(tmp_path, entries))


def test_when_the_file_is_missing_then_it_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FaqError):
        parse_faq(tmp_path / "nowhere.yml")


def test_when_the_file_is_not_a_mapping_then_it_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "faq.yml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(FaqError, match="mapping"):
        parse_faq(path)


def test_placeholders_are_filled_from_the_policy(
    demo_faq: Faq, demo_policy: MerchantPolicy
) -> None:
    passages = {p.id: p for p in faq_passages(demo_faq, demo_policy)}
    assert "help@demo-outfitters.example" in passages["phone"].text
    assert "within 30 days of delivery" in passages["sizing"].text
    assert all("{" not in p.text for p in passages.values())


def test_the_demo_faq_has_the_questions_a_shop_is_asked(demo_faq: Faq) -> None:
    ids = {e.id for e in demo_faq.entries}
    assert 15 <= len(ids) <= 25
    assert {"shipping_times", "international_shipping", "order_tracking", "gift_wrapping"} <= ids
    assert {"price_adjustment", "warranty", "sizing", "payment_methods", "store_pickup"} <= ids


@pytest.mark.parametrize(("faq_path", "policy_name"), [(DEMO_FAQ, "demo"), (TAU_FAQ, "tau")])
def test_faq_answers_do_not_contradict_the_policy(
    faq_path: Path, policy_name: str, demo_policy: MerchantPolicy, tau_policy: MerchantPolicy
) -> None:
    policy = demo_policy if policy_name == "demo" else tau_policy
    for passage in faq_passages(parse_faq(faq_path), policy):
        text = passage.text.lower()
        # A return or exchange period in an answer is the policy's window, never another one.
        for days in re.findall(r"(\d+) days", text):
            if re.search(r"return|exchange", text):
                assert int(days) == policy.returns.window_days, passage.id
        # Only the policy's support address is given out.
        for address in re.findall(r"[\w.+-]+@[\w.-]+\.\w+", passage.text):
            assert address == policy.support.email, passage.id
        # Nothing called final sale in the policy is offered as returnable.
        for category in policy.returns.final_sale_categories:
            word = category.replace("_", " ").rstrip("s")
            assert not re.search(rf"{word}s? can be returned", text), passage.id
