"""What the launcher installs in the servers it starts."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import rasa_sdk.endpoint

from guardrails.launch import freeze_after_loading_actions, serves_actions
from stack.processes import LAUNCH, Stack
from tests.conftest import ROOT


@pytest.fixture
def restored() -> Iterator[None]:
    original = rasa_sdk.endpoint.create_app
    yield
    rasa_sdk.endpoint.create_app = original
    gc.unfreeze()


def test_the_action_server_freezes_its_heap_once_its_actions_are_loaded(restored: None) -> None:
    gc.unfreeze()
    freeze_after_loading_actions()

    app = rasa_sdk.endpoint.create_app("actions")

    assert "webhook" in {route.path.strip("/") for route in app.router.routes}
    assert gc.get_freeze_count() > 0


@pytest.mark.parametrize(
    ("argv", "action_server"),
    [
        (["rasa_sdk", "--actions", "actions", "--port", "5055"], True),
        (["rasa", "run", "actions", "--actions", "actions"], True),  # as a designer starts it
        (["rasa", "run", "--enable-api"], False),
        (["commerce"], False),
    ],
)
def test_the_action_server_is_known_however_it_is_started(
    argv: list[str], action_server: bool
) -> None:
    assert serves_actions(argv[0], argv[1:]) is action_server


def test_the_stack_starts_the_action_server_without_rasas_command_line() -> None:
    command = Stack(log_dir=ROOT / "var" / "log").service("action server").command
    module, *args = command[len(LAUNCH) :]
    assert module == "rasa_sdk" and serves_actions(module, args)
