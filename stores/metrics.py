"""What the tracker store sees of each turn, counted for Prometheus, by tenant.

The store is where every event of every channel passes once, after the turn: counting here
needs no hook in the channels or the actions. The counters appear on the Rasa server's
``/metrics`` page (``webkit/metrics.py``). Labels are bounded and hold nothing a shopper typed:
an intent outside the domain (a message like ``/anything`` names its own) counts as ``other``.
A conversation without a ``tenant`` slot is the default merchant's, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from prometheus_client import Counter

from guardrails.handoff.rules import Reason
from merchants.tenants import DEFAULT_TENANT

HANDOFF_ACTIONS = frozenset({"action_hand_off"})
FALLBACK_INTENT = "nlu_fallback"

TURNS = Counter(
    "aftercare_turns_total",
    "Shopper messages, by tenant and understood intent.",
    ["tenant", "intent"],
)
LOW_CONFIDENCE = Counter(
    "aftercare_low_confidence_turns_total",
    "Shopper messages below the fallback threshold (nlu_fallback), by tenant.",
    ["tenant"],
)
HANDOFFS = Counter(
    "aftercare_handoffs_total", "Hand-offs to a person, by tenant and reason.", ["tenant", "reason"]
)
REASONS = frozenset(reason.value for reason in Reason)


def count_events(
    slots: dict[str, Any], events: Iterable[dict[str, Any]], intents: Collection[str]
) -> None:
    """Count the new events of one conversation (their dict form, before scrubbing).

    ``slots`` are the conversation's: ``tenant`` (set from the verified channel) and
    ``handoff_reason`` (set before every hand-off).
    """
    tenant = slots.get("tenant")
    label = tenant if isinstance(tenant, str) and tenant else DEFAULT_TENANT
    reason = slots.get("handoff_reason")
    reason_label = reason if reason in REASONS else "other"
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            known = intent if intent in intents or intent == FALLBACK_INTENT else "other"
            TURNS.labels(label, known).inc()
            if intent == FALLBACK_INTENT:
                LOW_CONFIDENCE.labels(label).inc()
        elif kind == "action" and event.get("name") in HANDOFF_ACTIONS:
            HANDOFFS.labels(label, reason_label).inc()
