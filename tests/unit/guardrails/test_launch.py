"""What the launcher installs in the servers it starts."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
import rasa_sdk.endpoint

from guardrails.launch import freeze_after_loading_actions


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
