"""Retrieval finds the asked rule, corrects typos to the passages' words, and stays quiet below
the threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.knowledge.answer import all_passages, retrieve
from guardrails.knowledge.faq import Faq
from guardrails.knowledge.retrieval import build_index, content_words, correct_typos
from guardrails.knowledge.settings import (
    KnowledgeSettings,
    KnowledgeSettingsError,
    load_settings,
    parse_settings,
)
from merchants.policy import MerchantPolicy


@pytest.mark.parametrize(
    ("question", "rule_id"),
    [
        ("can I return a swimsuit?", "final_sale"),
        ("can I return shoes after 45 days?", "return_window"),
        ("how long do refunds take?", "refund_timing"),
        ("can i cancel my order", "cancel"),
        ("i need to change my shipping address", "change_address"),
        ("parcel lost in the post", "lost"),
        ("do i pay for the return label", "return_shipping"),
        ("do you ship to canada", "international_shipping"),
        ("do you gift wrap", "gift_wrapping"),
    ],
)
def test_the_asked_rule_is_retrieved_first(
    question: str, rule_id: str, demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    hits = retrieve(question, demo_policy, demo_faq, cache=vectors)
    assert [h.passage.id for h in hits] == [rule_id]


@pytest.mark.parametrize(
    "question", ["tell me a joke", "whats the weather in boston", "what's 2+2"]
)
def test_when_nothing_supports_the_question_then_nothing_is_retrieved(
    question: str, demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    assert retrieve(question, demo_policy, demo_faq, cache=vectors) == []


def test_a_higher_threshold_turns_a_weak_match_into_none(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    question = "how long do refunds take?"
    strict = load_settings().copy(update={"threshold": 0.99})
    assert retrieve(question, demo_policy, demo_faq, cache=vectors)
    assert retrieve(question, demo_policy, demo_faq, strict, cache=vectors) == []


def test_close_seconds_join_only_when_settings_allow(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    generous = load_settings().copy(update={"max_passages": 3, "combine_margin": 1.0})
    hits = retrieve("how long do refunds take?", demo_policy, demo_faq, generous, cache=vectors)
    assert len(hits) == 3
    assert hits[0].passage.id == "refund_timing"
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_typos_are_corrected_to_the_passages_words() -> None:
    vocabulary = frozenset({"return", "cancel", "order", "address"})
    assert correct_typos("retrun policy", vocabulary) == "return policy"
    assert correct_typos("cancle my ordr", vocabulary) == "cancel my order"
    # A real English word is left alone even when a passage word is one edit away.
    assert correct_typos("can i cancer", vocabulary) == "can i cancer"


def test_misspelt_questions_find_their_rule(
    demo_policy: MerchantPolicy, demo_faq: Faq, vectors: Path
) -> None:
    hits = retrieve("whats ur retrun policy time limit", demo_policy, demo_faq, cache=vectors)
    assert hits[0].passage.id == "return_window"


def test_vectors_are_cached_on_disk(
    tau_policy: MerchantPolicy, tau_faq: Faq, tmp_path: Path
) -> None:
    build_index(all_passages(tau_policy, tau_faq), tmp_path)
    assert len(list(tmp_path.glob("embeddings-*.npy"))) == 1


def test_content_words_drop_filler_and_plurals() -> None:
    assert content_words("Can I return my swimsuits?") == frozenset({"return", "swimsuit"})


@pytest.mark.parametrize(
    "body",
    [
        "threshold: 0.4\ntop_k: 3\nmax_passages: 1\ncombine_margin: 0.02\n",
        "threshold: 2\ntop_k: 3\nmax_passages: 1\ncombine_margin: 0.02\nlexical_weight: 0\n",
        "threshold: 0.4\ntop_k: 3\nmax_passages: 1\ncombine_margin: 0.02\nlexical_weight: 0\n"
        "treshold: 0.5\n",
    ],
)
def test_when_settings_do_not_validate_then_they_are_refused(tmp_path: Path, body: str) -> None:
    path = tmp_path / "knowledge.yml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(KnowledgeSettingsError):
        parse_settings(path)


def test_the_shipped_settings_validate() -> None:
    assert isinstance(load_settings(), KnowledgeSettings)
