"""The output rails of rails.yml load in order, and each rail's settings refuse unknown keys."""

from __future__ import annotations

import importlib

import pytest
from pydantic import ValidationError

from guardrails.rails.config import DEFAULT_CONFIG, parse_config

OUTPUT_RAILS = ["fact_lock", "form", "promises", "toxicity", "grounding", "personal_data"]


def test_when_the_shipped_rails_file_is_read_then_the_output_rails_run_in_order() -> None:
    config = parse_config(DEFAULT_CONFIG)
    assert [rail.name for rail in config.output] == OUTPUT_RAILS


@pytest.mark.parametrize("name", OUTPUT_RAILS)
def test_when_a_rail_setting_is_misspelled_then_it_does_not_validate(name: str) -> None:
    module = importlib.import_module(f"guardrails.rails.{name}")
    with pytest.raises(ValidationError):
        module.Settings.parse_obj({"no_such_setting": 1})
