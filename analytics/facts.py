"""One fact per stream event: names, numbers and flags, never what anybody wrote.

The stream is already scrubbed (``stores/brokers.py``), but a scrubber has a recall below 1:
a name it missed is still a name. So analytics does not rely on it. A fact keeps only

- Rasa's own names (event type, intent, action, form, slot, response, channel) while they have
  the shape of a name, and a requested slot only when it is one of the forms' questions;
- numbers Rasa computed (timestamps, the classifier's confidence);
- the value of a few slots whose every possible value is listed (a 1-5 rating, a handoff
  reason, the suggestion state), or the tenant, which only ``action_session_start`` sets from a
  signed channel token; any other slot value becomes ``<set>``, ``true`` or ``false``;
- flags with fixed names: ``replay`` (a clause of a several-request message that the bot
  replayed, not a message the shopper sent), ``agent`` (a person's message), ``injection``
  (the input rail refused the message), the handoff signal the NLU found, and
  ``generation=<reason>`` (a reply eligible for rewording: whether the model's words were said
  or why not, a reason of :mod:`guardrails.generation.decisions`' closed set).

The conversation id is kept only as a keyed digest (``sender_key``): a REST caller may choose
any id, "ann" included, and the scrubber keeps name-shaped ids.

The event id is the SHA-256 of the message body in canonical JSON (sorted keys), which holds
the sender id, the timestamp, the event type and its whole content. The broker's
``message_id`` (the outbox row's id, ``stores/outbox.py``) is kept beside it but not used as
the key: on SQLite the outbox's ids start again at 1 once it is drained (no
``AUTOINCREMENT``), and the same event read back from another source (the file broker's log)
has none. A redelivered message has the same body, so the same id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from analytics.vocabulary import (
    FALLBACK_INTENT,
    GENERATION_FLAG,
    GENERATION_KEY,
    GENERATION_REASONS,
    GUARDRAIL_ENTITY,
    INJECTION,
    KEPT_SLOT_VALUES,
    REASONS,
    REPHRASED,
    REQUESTED_SLOT,
    SIGNAL_ENTITY,
    TENANT_SLOT,
    dialogue,
    is_name,
)

SET = "<set>"
SENDER_KEY_CONTEXT = b"aftercare-analytics-sender:"
# The PII pseudonym key (guardrails/pii.yml's pseudonym_key_env): without it, a digest of a
# guessable conversation id ("ann", a phone number) could be recomputed from guesses.
SENDER_KEY_ENV = "AFTERCARE_PII_PSEUDONYM_KEY"
MESSAGE_ID_SHAPE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
CHANNEL_PREFIXES = ("sms", "messenger")  # conversation ids "<kind>:<tenant>:<id>" (channels/)


class MalformedEvent(ValueError):
    """A stream message that is not a Rasa event (no type, timestamp or sender)."""


@dataclass(frozen=True)
class StreamMessage:
    """One message of the stream: the broker's JSON body and what the source adds.

    Args:
        body: ``{"sender_id": ..., **event.as_dict()}``, as every broker publishes it.
        message_id: The AMQP ``message_id`` (the outbox row's id), when there is one.
        seq: The message's position in its source (byte offset, row id): orders events
            whose timestamps are equal.
    """

    body: dict[str, Any]
    message_id: str | None = None
    seq: int | None = None


@dataclass(frozen=True)
class Fact:
    """What analytics keeps of one event (the columns of ``analytics_events``)."""

    event_id: str
    sender_key: str
    ts: float
    kind: str
    seq: int | None = None
    name: str | None = None
    value: str | None = None
    intent: str | None = None
    confidence: float | None = None
    flags: frozenset[str] = field(default_factory=frozenset)
    channel_tenant: str | None = None
    message_id: str | None = None

    def row(self) -> dict[str, Any]:
        """The row of ``analytics_events`` for this fact."""
        return {
            "event_id": self.event_id,
            "sender_key": self.sender_key,
            "ts": self.ts,
            "seq": self.seq,
            "kind": self.kind,
            "name": self.name,
            "value": self.value,
            "intent": self.intent,
            "confidence": self.confidence,
            "flags": " ".join(sorted(self.flags)) or None,
            "channel_tenant": self.channel_tenant,
            "message_id": self.message_id,
        }

    @classmethod
    def from_row(cls, row: Any) -> Fact:
        """A fact read back from ``analytics_events``."""
        return cls(
            event_id=row.event_id,
            sender_key=row.sender_key,
            ts=row.ts,
            kind=row.kind,
            seq=row.seq,
            name=row.name,
            value=row.value,
            intent=row.intent,
            confidence=row.confidence,
            flags=frozenset((row.flags or "").split()),
            channel_tenant=row.channel_tenant,
            message_id=row.message_id,
        )


def event_id(body: dict[str, Any]) -> str:
    """The stable id of a stream message: SHA-256 of its body in canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def sender_key(sender_id: str, environ: Mapping[str, str] | None = None) -> str:
    """A keyed digest standing for the conversation id (the same id, the same key).

    ``environ`` holds the key (default: the process's environment).

    Raises:
        MissingSenderKey: ``AFTERCARE_PII_PSEUDONYM_KEY`` is unset (fail closed: no digest
            anyone could recompute from a guessed id is ever stored).
    """
    key = (os.environ if environ is None else environ).get(SENDER_KEY_ENV, "")
    if not key:
        raise MissingSenderKey(f"{SENDER_KEY_ENV} is not set: analytics stores no conversation id")
    message = SENDER_KEY_CONTEXT + sender_id.encode("utf-8")
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


class MissingSenderKey(RuntimeError):
    """The key the conversation ids are digested with is missing."""


def channel_tenant(sender_id: str) -> str | None:
    """The tenant an SMS or Messenger conversation id names (``sms:<tenant>:<sealed>``)."""
    kind, _, rest = sender_id.partition(":")
    tenant = rest.partition(":")[0]
    return tenant if kind in CHANNEL_PREFIXES and is_name(tenant) else None


def fact_of(message: StreamMessage) -> Fact:
    """The fact of one stream message; :class:`MalformedEvent` when it is not an event."""
    body = message.body
    if not isinstance(body, dict):
        raise MalformedEvent("the message is not a JSON object")
    sender, kind, ts = body.get("sender_id"), body.get("event"), body.get("timestamp")
    if not isinstance(sender, str) or not sender:
        raise MalformedEvent("no sender_id")
    if not is_name(kind):
        raise MalformedEvent("no event type")
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts):
        raise MalformedEvent("no timestamp")
    common: dict[str, Any] = {
        "event_id": event_id(body),
        "sender_key": sender_key(sender),
        "ts": float(ts),
        "kind": kind,
        "seq": message.seq,
        "channel_tenant": channel_tenant(sender),
        "message_id": _message_id(message.message_id),
    }
    if kind == "user":
        return Fact(**common, **_user(body))
    if kind == "bot":
        return Fact(**common, **_bot(body))
    if kind in ("action", "active_loop"):
        name = body.get("name")
        return Fact(**common, name=name if is_name(name) else None)
    if kind == "slot":
        name = body.get("name")
        if not isinstance(name, str) or not is_name(name):
            return Fact(**common)
        return Fact(**common, name=name, value=slot_value(name, body.get("value")))
    return Fact(**common)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _message_id(value: str | None) -> str | None:
    return value if isinstance(value, str) and MESSAGE_ID_SHAPE.fullmatch(value) else None


def _user(body: dict[str, Any]) -> dict[str, Any]:
    parse_data = _dict(body.get("parse_data"))
    name = _dict(parse_data.get("intent")).get("name")
    flags = set()
    if not body.get("message_id"):
        flags.add("replay")  # channels give every message an id; a replayed clause has none
    entities = [e for e in parse_data.get("entities") or [] if isinstance(e, dict)]
    for entity in entities:
        value = entity.get("value")
        if entity.get("entity") == GUARDRAIL_ENTITY and value == INJECTION:
            flags.add(INJECTION)
        elif entity.get("entity") == SIGNAL_ENTITY and value in REASONS:
            flags.add(f"signal={value}")
    channel = body.get("input_channel")
    return {
        "name": channel if is_name(channel) else None,
        "intent": name if is_name(name) else None,
        "confidence": classifier_confidence(parse_data),
        "flags": frozenset(flags),
    }


def classifier_confidence(parse_data: dict[str, Any]) -> float | None:
    """The confidence of the classifier's best intent, before the FallbackClassifier.

    The FallbackClassifier replaces a doubtful intent with ``nlu_fallback`` at its threshold's
    confidence and keeps the classifier's ranking after it; the best intent of that ranking
    says how sure the classifier really was.
    """
    intent = _dict(parse_data.get("intent"))
    candidates: list[dict[str, Any]] = [intent] if intent.get("name") != FALLBACK_INTENT else []
    if not candidates:
        candidates = [
            e
            for e in parse_data.get("intent_ranking") or []
            if isinstance(e, dict) and e.get("name") != FALLBACK_INTENT
        ][:1]
    for candidate in candidates:
        confidence = candidate.get("confidence")
        if isinstance(confidence, int | float) and not isinstance(confidence, bool):
            return float(confidence) if math.isfinite(confidence) else None
    return None


def _bot(body: dict[str, Any]) -> dict[str, Any]:
    metadata = _dict(body.get("metadata"))
    response = metadata.get("utter_action")
    reason = metadata.get("handoff_reason")
    flags = {"agent"} if "agent" in metadata else set()
    # The response's own metadata, which Rasa nests under the event's: the rewording decision.
    decided = _dict(_dict(metadata.get("metadata")).get(GENERATION_KEY))
    said = decided.get("reason")
    if (
        isinstance(said, str)
        and said in GENERATION_REASONS
        and decided.get("rephrased") is (said == REPHRASED)
    ):
        flags.add(f"{GENERATION_FLAG}{said}")
    return {
        "name": response if is_name(response) else None,
        "value": reason if reason in REASONS else None,
        "flags": frozenset(flags),
    }


def slot_value(name: str, value: Any) -> str | None:
    """What a fact keeps of a slot's value (see the module notes)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == REQUESTED_SLOT:
        return value if value in dialogue().questions else SET
    if name == TENANT_SLOT:
        return value if is_name(value) else SET
    allowed = KEPT_SLOT_VALUES.get(name)
    if allowed is not None and value in allowed:
        return str(value)
    return SET
