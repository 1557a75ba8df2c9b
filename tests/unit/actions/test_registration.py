"""The action server finds every custom action the domain names, as `rasa run actions` does."""

from __future__ import annotations

import yaml
from rasa_sdk.executor import ActionExecutor

from tests.conftest import ROOT


def _domain_actions() -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name for name in domain["actions"] if name.startswith(("action_", "validate_"))}


def test_the_action_server_registers_every_custom_action_the_domain_names() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")

    assert _domain_actions() - set(executor.actions) == set()


def test_the_action_server_registers_no_base_class_as_an_action() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")

    assert "" not in executor.actions
    assert all(name.startswith(("action_", "validate_")) for name in executor.actions)
