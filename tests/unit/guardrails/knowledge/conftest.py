"""The demo and τ-bench merchants' policy and FAQ, and one vector cache for the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.knowledge.faq import Faq, parse_faq
from guardrails.knowledge.retrieval import cache_dir
from merchants.policy import DEFAULT_POLICY_PATH, MerchantPolicy, parse_policy

ROOT = DEFAULT_POLICY_PATH.parent.parent.parent
TAU_POLICY = DEFAULT_POLICY_PATH.parent / "tau-bench.yml"
DEMO_FAQ = ROOT / "data" / "faq" / "demo.yml"
TAU_FAQ = ROOT / "data" / "faq" / "tau-bench.yml"


@pytest.fixture(scope="session")
def demo_policy() -> MerchantPolicy:
    return parse_policy(DEFAULT_POLICY_PATH)


@pytest.fixture(scope="session")
def tau_policy() -> MerchantPolicy:
    return parse_policy(TAU_POLICY)


@pytest.fixture(scope="session")
def demo_faq() -> Faq:
    return parse_faq(DEMO_FAQ)


@pytest.fixture(scope="session")
def tau_faq() -> Faq:
    return parse_faq(TAU_FAQ)


@pytest.fixture(scope="session")
def vectors() -> Path:
    """The vector cache the servers use, so each passage set is embedded once per machine.

    It is keyed by the passages' texts: a passage set a test changed is embedded afresh.
    """
    return cache_dir()
