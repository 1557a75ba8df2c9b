"""Local defaults never win over the real environment, and never reach production."""

from __future__ import annotations

import pytest

from stack.__main__ import SECRETS, check, public_defaults_in_use
from stack.settings import stack_env


def test_when_environment_sets_a_value_then_it_wins_over_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RASA_PORT", "6006")
    assert stack_env()["RASA_PORT"] == "6006"
    assert stack_env({"RASA_PORT": "7007"})["RASA_PORT"] == "7007"


def test_when_secrets_are_the_public_defaults_then_they_are_named() -> None:
    env = stack_env({"COMMERCE_API_TOKEN": "a-real-secret"})
    assert "COMMERCE_API_TOKEN" not in public_defaults_in_use(env)
    assert "RASA_AUTH_TOKEN" in public_defaults_in_use(env)


def test_when_production_uses_public_default_secrets_then_start_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERCARE_ENV", "production")
    with pytest.raises(SystemExit, match="public default secrets"):
        check()


def test_when_production_sets_real_secrets_then_start_is_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AFTERCARE_ENV", "production")
    for name in SECRETS:
        monkeypatch.setenv(name, f"{name.lower()}-set-by-the-operator-0123456789")
    check()


@pytest.mark.parametrize(
    "name", ["AFTERCARE_PII_PSEUDONYM_KEY", "AFTERCARE_TRACKER_KEY", "AFTERCARE_PRIVACY_TOKEN"]
)
def test_when_production_keeps_a_default_privacy_key_then_start_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("AFTERCARE_ENV", "production")
    for other in SECRETS:
        monkeypatch.setenv(other, f"{other.lower()}-set-by-the-operator-0123456789")
    monkeypatch.delenv(name)
    with pytest.raises(SystemExit, match=name):
        check()
