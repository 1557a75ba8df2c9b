"""Trackers as the Rasa server sends them to the action server, and what the bot said.

``make_tracker`` builds the tracker of a turn from a few slots and the latest message;
``saved_tracker`` loads a whole conversation saved under ``tests/fixtures/trackers/`` at the
moment a change is confirmed, its placeholders (``"{order_id}"``) filled from a sample order
of the seeded store, so the same file serves every store the seeder builds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tests.conftest import ROOT

TRACKERS = ROOT / "tests" / "fixtures" / "trackers"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def all_slots(domain: dict[str, Any], slots: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every slot of the domain at its initial value, then ``slots`` on top, as Rasa sends."""
    values: dict[str, Any] = {
        name: spec.get("initial_value") for name, spec in domain["slots"].items()
    }
    values.update(requested_slot=None, session_started_metadata=None)
    values.update(slots or {})
    return values


def make_tracker(
    domain: dict[str, Any],
    *,
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    earlier_events: Iterable[dict[str, Any]] = (),
    extracted: dict[str, Any] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as the Rasa server sends it to the action server after a user message.

    ``extracted`` are the slot candidates Rasa appends after the user event when a form is
    active; they are also already set on the tracker, as Rasa does.
    """
    latest_message = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.97},
        "entities": [
            {"entity": name, "value": value, "start": 0, "end": len(value), "extractor": "test"}
            for name, value in (entities or {}).items()
        ],
    }
    events = [
        *earlier_events,
        ActionExecuted("action_listen"),
        {"event": "user", "timestamp": None, "text": text, "parse_data": latest_message},
        *(SlotSet(name, value) for name, value in (extracted or {}).items()),
    ]
    return Tracker.from_dict(
        {
            "sender_id": "integration-test",
            "slots": all_slots(domain, {**(slots or {}), **(extracted or {})}),
            "latest_message": latest_message,
            "events": events,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
    )


def verified(sample: dict[str, str], **slots: Any) -> dict[str, Any]:
    """The slots of a conversation whose shopper verified ``sample`` (a seeder's sample order)."""
    return {
        "order_id": sample["order_id"],
        "order_verified": True,
        "customer_id": sample["customer_id"],
        **slots,
    }


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["response"] for message in dispatcher.messages]


def _filled(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` with every ``{name}`` replaced; a placeholder without a value is an error."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda match: values[match.group(1)], value)
    if isinstance(value, list):
        return [_filled(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, values) for key, item in value.items()}
    return value


def saved_tracker(
    name: str,
    domain: dict[str, Any],
    values: Mapping[str, str],
    *,
    slots: Mapping[str, Any] | None = None,
) -> Tracker:
    """The conversation saved as ``tests/fixtures/trackers/<name>.json``.

    ``values`` fill its placeholders (a sample order's ``order_id``, ``email``,
    ``customer_id``, ...); ``slots`` replace saved slot values, for the same moment with
    another answer ("no" instead of "yes").
    """
    saved = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
    filled: dict[str, Any] = _filled(saved, values)
    filled["slots"] = all_slots(domain, {**filled["slots"], **(slots or {})})
    return Tracker.from_dict(filled)


def slot_updates(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The slots an action or validator sets, by name (the last value wins)."""
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


def forgotten(events: Iterable[Mapping[str, Any]]) -> set[str]:
    """The slots the events empty."""
    return {name for name, value in slot_updates(events).items() if value is None}
