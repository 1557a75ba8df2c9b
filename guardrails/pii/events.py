"""Rasa events made safe to store, publish or export.

Fail closed: every string of every event is scrubbed irreversibly (what the shopper and the
bot said, entity values, button payloads, metadata, the value of every slot) unless a rule
proves it harmless. Three rules do:

- structure: the names Rasa writes itself (event type, intent, action, slot and entity names,
  policy, channel) are kept while they have the shape of a name;
- ``keep_slots``: a listed slot keeps its value while the value has a listed shape (an order
  number); any other value keeps only the parts that have the shape, or becomes a tag;
- ``encrypt_slots``: values the dialogue still needs verbatim in a later turn are encrypted
  with Fernet (AES-128-CBC plus HMAC-SHA256) and a key from the environment, so the tracker
  store can give them back when Rasa loads the conversation. On the event stream nothing is
  encrypted: those slots are scrubbed too, so no consumer ever needs the key.

A slot value that a later event of the same save replaces (a form's text mapping fills the
requested slot with the whole message; the validator rejects it a moment later) was never
part of the conversation's state between turns: the store keeps only a tag in its place.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from guardrails.pii.config import PiiConfigError, TrackerRules
from guardrails.pii.scrubber import Scrubber

logger = logging.getLogger(__name__)

ENCRYPTED_PREFIX = "fernet:v1:"
DROPPED = "<dropped>"
REDACTED = "<REDACTED>"
SUPERSEDED = "<SUPERSEDED>"

# Where Rasa writes names of its own (never what a shopper typed): kept while name-shaped.
# "*" stands for any list position.
_ENTITY_KEYS = ("entity", "extractor", "role", "group")
STRUCTURAL_PATHS = frozenset(
    {
        ("event",),
        ("name",),
        ("policy",),
        ("input_channel",),
        ("message_id",),
        ("sender_id",),
        ("intent",),
        ("parse_data", "intent", "name"),
        ("parse_data", "intent_ranking", "*", "name"),
        ("parse_data", "message_id"),
        ("parse_data", "entities", "*", "processors", "*"),
        *((*prefix, "*", key) for prefix in (("parse_data", "entities"), ("entities",))
          for key in _ENTITY_KEYS),
    }
)  # fmt: skip
NAME_SHAPE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")
# Texts and entity values of a user message: scrubbed together, entity spans first.
_USER_TEXT_PATHS = frozenset(
    {
        ("text",),
        ("parse_data", "text"),
        *((*prefix, "*", key) for prefix in (("parse_data", "entities"), ("entities",))
          for key in ("value", "text")),
    }
)  # fmt: skip


def fernet_from_env(rules: TrackerRules) -> Fernet:
    """The tracker key from ``rules.key_env``; a missing or malformed key stops the start."""
    key = os.environ.get(rules.key_env, "")
    if not key:
        raise PiiConfigError(f"${rules.key_env} is not set: personal slots cannot be stored")
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise PiiConfigError(
            f"${rules.key_env} is not a Fernet key (32 url-safe base64-encoded bytes): {exc}"
        ) from exc


class EventProtector:
    """Turns Rasa event dicts into what may rest in a store or travel on a stream.

    Args:
        scrubber: Finds and replaces personal values in text.
        rules: Which slots are kept or encrypted, which entities are personal.
        fernet: The cipher for encrypted slots; None when only publishing or exporting.
        slots: The domain's slots and, for categorical ones, their values (None otherwise):
            what ``slot_name`` and ``domain_value`` shapes are checked against. Without it
            those shapes prove nothing, so such values are redacted.
    """

    def __init__(
        self,
        scrubber: Scrubber,
        rules: TrackerRules,
        fernet: Fernet | None,
        slots: Mapping[str, Iterable[str] | None] | None = None,
    ) -> None:
        self.scrubber = scrubber
        self.rules = rules
        self.fernet = fernet
        self._encrypt = set(rules.encrypt_slots)
        self._shapes = {name: re.compile(pattern) for name, pattern in rules.shapes.items()}
        self._shape_parts = {name: _parts_of(pattern) for name, pattern in rules.shapes.items()}
        self.use_domain(slots)

    def use_domain(self, slots: Mapping[str, Iterable[str] | None] | None) -> None:
        """Check ``slot_name`` and ``domain_value`` shapes against these slots from now on."""
        self._slot_values: dict[str, frozenset[str]] = {
            name: frozenset(str(v) for v in values or ()) for name, values in (slots or {}).items()
        }

    def for_store(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event as it may be written to the tracker store."""
        return self._protect(event, encrypt=True)

    def batch_for_store(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Events saved together, protected; slot values replaced within the batch become tags.

        Rasa saves a conversation once per message, so a value that a later event of the same
        save overwrites was only ever seen inside that turn (a whole message a form's text
        mapping put into the requested slot before its validator rejected it).
        """
        last_set = {e.get("name"): i for i, e in enumerate(events) if e.get("event") == "slot"}
        protected = []
        for index, event in enumerate(events):
            replaced = event.get("event") == "slot" and last_set.get(event.get("name")) != index
            # numbers and booleans stay, as in _protect_slot: only text can hold personal data
            if replaced and isinstance(event.get("value"), str | list | dict):
                event = {**event, "value": SUPERSEDED}
            protected.append(self.for_store(event))
        return protected

    def for_stream(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event as it may be published to a broker, logged or exported: no ciphertext."""
        return self._protect(event, encrypt=False)

    def stream_from_stored(self, event: dict[str, Any], stored: dict[str, Any]) -> dict[str, Any]:
        """The stream's form of ``event`` from its stored form, without scrubbing it twice.

        The two differ only where the store keeps a slot encrypted: the stream never carries
        ciphertext, so that value is scrubbed from the original instead.
        """
        value = stored.get("value")
        if stored.get("event") == "slot" and isinstance(value, str) and is_encrypted(value):
            return {**stored, "value": self._scrub_everything(event.get("value"))}
        return stored

    def reveal(self, event: dict[str, Any]) -> dict[str, Any]:
        """A stored event with its encrypted slot value decrypted, for the live dialogue."""
        value = event.get("value")
        if event.get("event") != "slot" or not isinstance(value, str) or not is_encrypted(value):
            return event
        revealed = dict(event)
        revealed["value"] = self.decrypt(value)
        return revealed

    def decrypt(self, value: str) -> Any:
        """The original slot value; None if the key changed (the slot is asked again)."""
        if self.fernet is None:
            raise PiiConfigError("no tracker key: encrypted slots cannot be read")
        try:
            return json.loads(self.fernet.decrypt(value[len(ENCRYPTED_PREFIX) :].encode()))
        except InvalidToken:
            logger.warning("an encrypted slot could not be decrypted (key rotated?); dropped")
            return None

    def _protect(self, event: dict[str, Any], encrypt: bool) -> dict[str, Any]:
        kind = event.get("event")
        out = self._drop_keys(copy.deepcopy(event))
        done: set[tuple[str, ...]] = set()
        if kind == "user":
            self._protect_user(out)
            done |= _USER_TEXT_PATHS
        elif kind == "slot":
            self._protect_slot(out, encrypt)
            done.add(("value",))
        return self._scrub_rest(out, (), done)

    def _scrub_rest(self, value: Any, path: tuple[str, ...], done: set[tuple[str, ...]]) -> Any:
        """Every string not protected yet: scrubbed, unless it is one of Rasa's own names."""
        if path in done:
            return value
        if isinstance(value, dict):
            return {k: self._scrub_rest(v, (*path, str(k)), done) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._scrub_rest(v, (*path, "*"), done) for v in value]
        if not isinstance(value, str) or value == DROPPED:
            return value
        if path in STRUCTURAL_PATHS and NAME_SHAPE.fullmatch(value):
            return value
        return self.scrubber.scrub(value)

    def _protect_user(self, event: dict[str, Any]) -> None:
        """Text, parse data and entity values of a user message."""
        parse_data = event.get("parse_data") or {}
        entities = [
            *(parse_data.get("entities") or []),
            *(event.get("entities") or []),
        ]
        replacements = {id(e): self._entity_replacement(e) for e in entities}
        text = event.get("text")
        if isinstance(text, str):
            text = self.scrubber.scrub(self._replace_personal_spans(text, entities, replacements))
            event["text"] = text
            if isinstance(parse_data.get("text"), str):
                parse_data["text"] = text
        for entity in entities:
            value = replacements[id(entity)]
            entity["value"] = value
            if isinstance(entity.get("text"), str):
                entity["text"] = value

    def _entity_replacement(self, entity: dict[str, Any]) -> Any:
        """What stands for an entity's value: its scrubbed form, or a tag if it is personal.

        A personal entity (an e-mail, a ZIP) is replaced even when no recognizer finds it in
        isolation (a bare ZIP); one the scrubber does find keeps its pseudonym, so the same
        e-mail still joins across messages.
        """
        value = entity.get("value")
        scrubbed = self.scrubber.scrub_data(value)
        tag = self.rules.personal_entities.get(str(entity.get("entity")))
        if tag is not None and scrubbed == value:
            return f"<{tag}>"
        return scrubbed

    @staticmethod
    def _replace_personal_spans(
        text: str, entities: list[dict[str, Any]], replacements: dict[int, Any]
    ) -> str:
        """Put the entities' replacements into the text where they were found (right to left)."""
        spans = {}
        for entity in entities:
            start, end = entity.get("start"), entity.get("end")
            replacement = replacements[id(entity)]
            if replacement == entity.get("value") or not isinstance(replacement, str):
                continue
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
                spans[(start, end)] = replacement
        for (start, end), replacement in sorted(spans.items(), reverse=True):
            text = f"{text[:start]}{replacement}{text[end:]}"
        return text

    def _protect_slot(self, event: dict[str, Any], encrypt: bool) -> None:
        name, value = str(event.get("name")), event.get("value")
        if value is None or isinstance(value, bool | int | float) or is_encrypted(value):
            return
        if value == SUPERSEDED:
            return
        shapes = self.rules.keep_slots.get(name)
        if shapes is not None:
            event["value"] = self._kept(name, value, shapes)
        elif name in self._encrypt:
            if encrypt:
                if self.fernet is None:
                    raise PiiConfigError("no tracker key: personal slots cannot be stored")
                token = self.fernet.encrypt(json.dumps(value).encode()).decode()
                event["value"] = ENCRYPTED_PREFIX + token
            else:
                event["value"] = self._scrub_everything(value)
        else:
            event["value"] = self.scrubber.scrub_data(value)

    def _kept(self, slot: str, value: Any, shapes: list[str]) -> Any:
        """A kept slot's value if it has a shape; else only its parts that do, or a tag."""
        if isinstance(value, list):
            return [self._kept(slot, v, shapes) for v in value]
        if not isinstance(value, str):
            return REDACTED
        if any(self._has_shape(slot, value, shape) for shape in shapes):
            return value
        parts = [
            m.group(0)
            for shape in shapes
            if shape in self._shape_parts
            for m in self._shape_parts[shape].finditer(value)
        ]
        return " ".join(parts) if parts else REDACTED

    def _has_shape(self, slot: str, value: str, shape: str) -> bool:
        if shape == "slot_name":
            return value in self._slot_values
        if shape == "domain_value":
            return value in self._slot_values.get(slot, frozenset())
        return self._shapes[shape].fullmatch(value) is not None

    def _scrub_everything(self, value: Any) -> Any:
        """An encrypted slot's value on the stream: scrubbed, and a tag if nothing was found.

        The value of such a slot is personal by definition (an e-mail, a ZIP, an address), so
        when the recognizers miss it (a bare ZIP) it is replaced as a whole.
        """
        scrubbed = self.scrubber.scrub_data(value)
        return scrubbed if scrubbed != value else "<PERSONAL>"

    def _drop_keys(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (DROPPED if k in self.rules.drop_keys else self._drop_keys(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._drop_keys(v) for v in value]
        return value


def _parts_of(shape: str) -> re.Pattern[str]:
    """Finds the shape inside a longer text, as a word of its own (not glued to another id).

    A leading inline flag such as ``(?i)`` stays at the front, where Python requires it.
    """
    flags = re.match(r"\(\?[aiLmsux]+\)", shape)
    lead = flags.group(0) if flags else ""
    return re.compile(rf"{lead}(?<![\w-])(?:{shape[len(lead):]})(?![\w-])")


def is_encrypted(value: Any) -> bool:
    """True for a slot value this module encrypted."""
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)
