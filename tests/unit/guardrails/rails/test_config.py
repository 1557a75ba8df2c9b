"""The rails file: the shipped one loads in order, and any mistake stops the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.rails.config import RailsConfig, RailsConfigError, parse_config


def test_the_shipped_input_rails_are_normalise_scrub_injection_topic(
    shipped: RailsConfig,
) -> None:
    assert [r.name for r in shipped.input] == ["normalise", "scrub", "injection", "topic"]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ("normalise: {max_chars: 0}", "normalise"),
        ("injection: {threshold: 1.5}", "injection"),
        ("injection: {treshold: 0.5}", "extra fields"),
        ("topic: {threshold: 0}", "topic"),
        ("scrub: {entities: [PERSON]}", "extra fields"),
    ],
)
def test_when_a_rails_settings_do_not_validate_then_loading_fails(
    tmp_path: Path, settings: str, problem: str
) -> None:
    path = tmp_path / "rails.yml"
    path.write_text(
        f"input: [normalise, scrub, injection, topic]\noutput: []\nsettings:\n  {settings}\n"
    )
    with pytest.raises(RailsConfigError, match=problem):
        parse_config(path)


def test_when_a_rail_is_unknown_then_loading_fails(tmp_path: Path) -> None:
    path = tmp_path / "rails.yml"
    path.write_text("input: [normalise, injektion]\noutput: []\n")
    with pytest.raises(RailsConfigError, match="unknown rail 'injektion'"):
        parse_config(path)
