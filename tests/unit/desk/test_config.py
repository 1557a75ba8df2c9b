"""Desk settings fail at start when they are wrong, never at the first ticket."""

from __future__ import annotations

import pydantic
import pytest

from desk.config import DeskConfig, Role
from stack.settings import DEFAULTS_FILE, read_env_file

ENV = read_env_file(DEFAULTS_FILE)


def test_the_local_defaults_and_shipped_agents_load() -> None:
    config = DeskConfig.from_env(ENV)
    roles = {a.username: a.role for a in config.agents}
    assert roles["sam"] is Role.supervisor and roles["ana"] is Role.agent
    assert {a.merchant for a in config.agents} == {"demo", "tau-bench"}
    assert config.canned and config.cookie_secure


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("DESK_TRANSCRIPT_KEY", "not-a-key", "Fernet key"),
        ("DESK_API_TOKEN", "short", "at least 8"),
        ("DESK_PORT", "0", "greater than 0"),
        ("DESK_CONNECTOR", "zendesk", "console"),
    ],
)
def test_an_invalid_setting_is_refused_with_the_reason(name: str, value: str, problem: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=problem):
        DeskConfig.from_env({**ENV, name: value})


def test_the_chatwoot_connector_needs_its_url_token_and_webhook_secret() -> None:
    with pytest.raises(pydantic.ValidationError, match="CHATWOOT_URL"):
        DeskConfig.from_env({**ENV, "DESK_CONNECTOR": "chatwoot"})
