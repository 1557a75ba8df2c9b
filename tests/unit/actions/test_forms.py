"""Every slot of every form has a validator (rasa-sdk only logs a misspelled one)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from rasa_sdk import FormValidationAction

import actions
from tests.conftest import ROOT, read_yaml

DOMAIN = read_yaml(ROOT / "domain.yml")


def _validators() -> dict[str, type[FormValidationAction]]:
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    found: dict[str, type[FormValidationAction]] = {}
    pending = list(FormValidationAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        found[cls.name(cls.__new__(cls))] = cls
    return found


@pytest.mark.parametrize("form", sorted(DOMAIN["forms"]))
def test_every_required_slot_of_the_form_is_validated(form: str) -> None:
    validator = _validators().get(f"validate_{form}")
    assert validator is not None, f"no validate_{form} action"
    missing = [
        slot
        for slot in DOMAIN["forms"][form]["required_slots"]
        if not callable(getattr(validator, f"validate_{slot}", None))
    ]
    assert missing == []
