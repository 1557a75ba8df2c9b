"""Switching to another order in the middle of a change flow."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.changes import switched_order


def _tracker(text: str, requested: str, previous: str | None = "#W1111111") -> Tracker:
    events: list[dict[str, Any]] = []
    if previous:
        events.append({"event": "slot", "name": "order_id", "value": previous})
    events.append({"event": "user", "text": text})
    events.append({"event": "slot", "name": "order_id", "value": text})
    return Tracker(
        sender_id="t",
        slots={"requested_slot": requested, "order_id": previous},
        latest_message={"text": text, "entities": []},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": "cancel_order_form"},
        latest_action_name="action_listen",
    )


@pytest.mark.parametrize(
    ("text", "requested", "switched"),
    [
        ("sorry, wrong order, it's #W2222222", "cancel_reason", "#W2222222"),
        ("actually it's the other order", "new_address", ""),
        ("oops, different order: AC-104233", "return_items", "AC-104233"),
        ("it's #W1111111", "cancel_reason", None),  # the same order again: no switch
        ("#W2222222", "order_id", None),  # the answer to "which order?"
        ("because it's too big", "return_reason", None),
        # a button tapped for another question names no order, whatever digits it holds
        ('/inform{"payment_method":"PM-718458"}', "payment_method", None),
        ('/inform{"item_changes":"2:104233"}', "item_changes", None),
    ],
)
def test_a_switch_is_read_only_while_the_form_asks_something_else(
    text: str, requested: str, switched: str | None
) -> None:
    assert switched_order(_tracker(text, requested)) == switched


def test_without_an_order_so_far_nothing_is_a_switch() -> None:
    assert switched_order(_tracker("the other order", "cancel_reason", previous=None)) is None
