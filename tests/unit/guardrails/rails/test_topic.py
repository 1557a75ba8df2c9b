"""The topic rail: shop questions pass, the rest of the world is refused, fail closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.rails.config import RailsConfig
from guardrails.rails.topic import Settings, check
from guardrails.rails.types import Context


@pytest.fixture
def settings(shipped: RailsConfig, weights: Path) -> Settings:
    (rail,) = (r for r in shipped.input if r.name == "topic")
    return rail.settings.copy(update={"weights": str(weights / "topic.npz")})  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("text", "on_topic"),
    [
        ("where is my order?", True),
        ("I want to return the jacket, it is too small", True),
        ("how long does a refund take", True),
        ("can I change the delivery address for order W1457208", True),
        ("the parcel arrived damaged", True),
        ("tell me a joke", False),
        ("how do I make pancakes", False),
        ("what is my credit score", False),
        ("book me a flight to berlin", False),
        ("set an alarm for 7am", False),
    ],
)
def test_when_a_message_is_about_the_shop_then_it_passes_otherwise_it_is_refused(
    settings: Settings, text: str, on_topic: bool
) -> None:
    decision = check(text, Context(), settings)
    assert decision.allowed is on_topic
    assert decision.reason == ("" if on_topic else "off topic")


def test_when_the_weights_are_missing_then_the_topic_rail_refuses(tmp_path: Path) -> None:
    decision = check("where is my order?", Context(), Settings(weights=str(tmp_path / "x.npz")))
    assert (decision.allowed, decision.reason) == (False, "model missing")
