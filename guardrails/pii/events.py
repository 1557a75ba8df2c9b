"""Rasa events made safe to store, publish or export.

Free text (what the shopper and the bot said, entity values, free-text slots, metadata) is
scrubbed irreversibly. Slots the dialogue still needs in a later turn (``encrypt_slots``) are
encrypted instead, with Fernet (AES-128-CBC plus HMAC-SHA256) and a key from the environment,
so the tracker store can give them back when Rasa loads the conversation. On the event stream
nothing is encrypted: those slots are scrubbed too, so no consumer ever needs the key.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from guardrails.pii.config import PiiConfigError, TrackerRules
from guardrails.pii.scrubber import Scrubber

logger = logging.getLogger(__name__)

ENCRYPTED_PREFIX = "fernet:v1:"
DROPPED = "<dropped>"


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
        rules: Which slots are encrypted or scrubbed, which entities are personal.
        fernet: The cipher for encrypted slots; None when only publishing or exporting.
    """

    def __init__(self, scrubber: Scrubber, rules: TrackerRules, fernet: Fernet | None) -> None:
        self.scrubber = scrubber
        self.rules = rules
        self.fernet = fernet
        self._encrypt = set(rules.encrypt_slots)
        self._scrub = set(rules.scrub_slots)

    def for_store(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event as it may be written to the tracker store."""
        return self._protect(event, encrypt=True)

    def for_stream(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event as it may be published to a broker, logged or exported: no ciphertext."""
        return self._protect(event, encrypt=False)

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
        if kind == "user":
            self._protect_user(out)
        elif kind == "bot":
            out["text"] = self.scrubber.scrub(out["text"]) if out.get("text") else out.get("text")
            out["data"] = self.scrubber.scrub_data(out.get("data"))
        elif kind == "slot":
            self._protect_slot(out, encrypt)
        if "metadata" in out:
            out["metadata"] = self.scrubber.scrub_data(out["metadata"])
        return out

    def _protect_user(self, event: dict[str, Any]) -> None:
        """Text, parse data and entity values of a user message."""
        parse_data = event.get("parse_data") or {}
        entities = parse_data.get("entities") or event.get("entities") or []
        text = event.get("text")
        if isinstance(text, str):
            text = self.scrubber.scrub(self._tag_personal_entities(text, entities))
            event["text"] = text
            if isinstance(parse_data.get("text"), str):
                parse_data["text"] = text
        for entity_list in (parse_data.get("entities"), event.get("entities")):
            for entity in entity_list or []:
                self._protect_entity(entity)
        for key in ("response_selector",):
            if key in parse_data:
                parse_data[key] = self.scrubber.scrub_data(parse_data[key])

    def _protect_entity(self, entity: dict[str, Any]) -> None:
        tag = self.rules.personal_entities.get(str(entity.get("entity")))
        if tag is not None:
            entity["value"] = f"<{tag}>"
        elif isinstance(entity.get("value"), str):
            entity["value"] = self.scrubber.scrub(entity["value"])
        if "text" in entity and isinstance(entity["text"], str):
            entity["text"] = entity["value"] if tag else self.scrubber.scrub(entity["text"])

    def _tag_personal_entities(self, text: str, entities: list[dict[str, Any]]) -> str:
        """Replace the spans of personal entities (a bare ZIP) before the scrubber runs."""
        spans = []
        for entity in entities:
            tag = self.rules.personal_entities.get(str(entity.get("entity")))
            start, end = entity.get("start"), entity.get("end")
            if tag and isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
                spans.append((start, end, tag))
        for start, end, tag in sorted(set(spans), reverse=True):
            text = f"{text[:start]}<{tag}>{text[end:]}"
        return text

    def _protect_slot(self, event: dict[str, Any], encrypt: bool) -> None:
        name, value = event.get("name"), event.get("value")
        if value is None or isinstance(value, bool) or is_encrypted(value):
            return
        if name in self._encrypt:
            if encrypt:
                if self.fernet is None:
                    raise PiiConfigError("no tracker key: personal slots cannot be stored")
                token = self.fernet.encrypt(json.dumps(value).encode()).decode()
                event["value"] = ENCRYPTED_PREFIX + token
            else:
                event["value"] = self._scrub_everything(value)
        elif name in self._scrub or name == "session_started_metadata":
            event["value"] = self.scrubber.scrub_data(value)

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


def is_encrypted(value: Any) -> bool:
    """True for a slot value this module encrypted."""
    return isinstance(value, str) and value.startswith(ENCRYPTED_PREFIX)
