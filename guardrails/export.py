"""``python -m guardrails.export``: stored conversations as training data for designers.

Reads the tracker store (events are already scrubbed there), and writes ``nlu.yml`` (each
shopper message under its predicted intent, entities annotated) and ``stories.yml`` (one test
story per conversation session). Every tag, pseudonym or mask the scrubber left is replaced by
a realistic fake value of the same type (Faker, seeded), the same token always by the same
fake, so the examples read like real messages and stay trainable, and still contain nothing
real. Encrypted slot values are never decrypted here.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from faker import Faker

from guardrails.pii.events import is_encrypted

TOKEN = re.compile(r"<([A-Z][A-Z_]*?)(?:_([0-9a-f]{10}))?>")
MASKED_CARD = re.compile(r"\*{4}(?:[ -]?\*{4}){2,3}[ -]?\d{1,4}")
SKIPPED_INTENTS = {"", "nlu_fallback", None}
UNSHOWN_ACTIONS = {"action_listen", "action_session_start"}


# The fake for each entity type the scrubber leaves a token for.
FAKE_BY_TYPE: dict[str, Callable[[Faker], str]] = {
    "PERSON": lambda f: f.name(),
    "EMAIL_ADDRESS": lambda f: f.free_email(),
    "PHONE_NUMBER": lambda f: f.phone_number(),
    "CREDIT_CARD": lambda f: f.credit_card_number(),
    "IBAN_CODE": lambda f: f.iban(),
    "STREET_ADDRESS": lambda f: f"{f.street_address()}, {f.city()}, {f.state_abbr()} {f.zipcode()}",
    "ZIP_CODE": lambda f: f.zipcode(),
    "US_SSN": lambda f: f.ssn(),
    "IP_ADDRESS": lambda f: f.ipv4(),
}


class Fakes:
    """Fake values for scrubber tokens: the same pseudonym always gets the same fake.

    A plain tag (``<PERSON>``) stands for some person, so each gets a new fake; a pseudonym
    (``<EMAIL_ADDRESS_3f9a1c2b7d>``) stands for one value, so it keeps its fake throughout.
    """

    def __init__(self, seed: int) -> None:
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self._by_pseudonym: dict[str, str] = {}

    def value(self, token: str, entity_type: str, stable: bool) -> str:
        """A fake of ``entity_type``; the remembered one for a ``stable`` token."""
        if stable and token in self._by_pseudonym:
            return self._by_pseudonym[token]
        fake = FAKE_BY_TYPE.get(entity_type, lambda f: str(f.word()))(self.faker)
        if stable:
            self._by_pseudonym[token] = fake
        return fake

    def fill(self, text: str) -> str:
        """``text`` with every tag, pseudonym and masked card number replaced by a fake."""
        text = TOKEN.sub(lambda m: self.value(m.group(), m.group(1), bool(m.group(2))), text)
        return MASKED_CARD.sub(lambda m: self.value(m.group(), "CREDIT_CARD", True), text)


def read_conversations(tracker_url: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored event, by conversation, in the order Rasa wrote them."""
    engine = sa.create_engine(tracker_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id")).all()
    finally:
        engine.dispose()
    conversations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sender_id, data in rows:
        conversations[sender_id].append(json.loads(data))
    return conversations


def annotate(text: str, entities: Iterable[tuple[str, str]]) -> str:
    """Rasa's ``[value](entity)`` markup for each entity value found in ``text``."""
    for entity, value in entities:
        if value and value in text and f"[{value}]" not in text:
            text = text.replace(value, f"[{value}]({entity})", 1)
    return text


def user_example(event: dict[str, Any], fakes: Fakes) -> tuple[str | None, str]:
    """(intent, annotated text with fakes) of one stored user event."""
    parse_data = event.get("parse_data") or {}
    intent = (parse_data.get("intent") or {}).get("name")
    text = fakes.fill(event.get("text") or "")
    raw_entities = parse_data.get("entities") or event.get("entities") or []
    entities = []
    for entity in raw_entities:
        value = entity.get("value")
        if isinstance(value, str) and not is_encrypted(value):
            filled = value if value in text else fakes.fill(value)
            entities.append((str(entity.get("entity")), filled))
    return intent, annotate(text, entities)


def story_steps(events: list[dict[str, Any]], fakes: Fakes) -> list[list[dict[str, Any]]]:
    """Test-story steps, one list per conversation session."""
    sessions: list[list[dict[str, Any]]] = []
    steps: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            if steps:
                sessions.append(steps)
            steps = []
        elif kind == "user":
            intent, text = user_example(event, fakes)
            if intent not in SKIPPED_INTENTS:
                steps.append({"user": text + "\n", "intent": intent})
        elif kind == "action" and event.get("name") not in (
            "action_listen",
            "action_session_start",
        ):
            steps.append({"action": event["name"]})
        elif kind == "active_loop":
            steps.append({"active_loop": event.get("name")})
        elif kind == "slot" and event.get("name") == "requested_slot":
            steps.append({"slot_was_set": [{"requested_slot": event.get("value")}]})
    if steps:
        sessions.append(steps)
    return [s for s in sessions if any("user" in step for step in s)]


def export(tracker_url: str, out_dir: Path, seed: int = 7) -> tuple[int, int]:
    """Write ``nlu.yml`` and ``stories.yml``; return (examples, stories) written."""
    fakes = Fakes(seed)
    conversations = read_conversations(tracker_url)
    examples: dict[str, list[str]] = defaultdict(list)
    stories = []
    for number, (_, events) in enumerate(sorted(conversations.items()), start=1):
        for event in events:
            if event.get("event") == "user":
                intent, text = user_example(event, fakes)
                if intent in SKIPPED_INTENTS or not text.strip():
                    continue
                if text not in examples[str(intent)]:
                    examples[str(intent)].append(text)
        for session, steps in enumerate(story_steps(events, fakes), start=1):
            stories.append(
                {"story": f"exported conversation {number}, session {session}", "steps": steps}
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    nlu = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
        for intent, texts in sorted(examples.items())
    ]
    header = "# Exported by python -m guardrails.export: personal values are fakes (Faker).\n"
    (out_dir / "nlu.yml").write_text(
        header + _dump({"version": "3.1", "nlu": nlu}), encoding="utf-8"
    )
    (out_dir / "stories.yml").write_text(
        header + _dump({"version": "3.1", "stories": stories}), encoding="utf-8"
    )
    return sum(len(t) for t in examples.values()), len(stories)


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings as YAML block literals, as Rasa's own files write examples."""


def _literal(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _literal)


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str] | None = None) -> int:
    """The command line: tracker URL (default: ``TRACKER_STORE_URL``), output folder, seed."""
    import os

    parser = argparse.ArgumentParser(prog="python -m guardrails.export", description=__doc__)
    parser.add_argument("--tracker-url", default=os.environ.get("TRACKER_STORE_URL"))
    parser.add_argument("--out", type=Path, default=Path("var/export"))
    parser.add_argument("--seed", type=int, default=7, help="Faker seed (same seed, same fakes)")
    args = parser.parse_args(argv)
    if not args.tracker_url:
        parser.error("no tracker store: pass --tracker-url or set TRACKER_STORE_URL")
    examples, stories = export(args.tracker_url, args.out, args.seed)
    print(f"wrote {examples} NLU examples and {stories} test stories to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
