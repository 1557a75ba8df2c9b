"""Personal data typed at every question of every form never comes to rest, on either store.

A shopper walks every form of the domain to its end (SQLite tracker store with the file broker,
on the session's shared stack: tests/e2e/test_privacy_forms.py; PostgreSQL tracker store with
the SQL broker, on the stack ``make run``'s own command starts: tests/e2e/test_stack_run.py).
Every flow opens with a message full of personal data, and at every question the form asks
(read from the tracker, so a form or a question added later is walked too) the first answer is
that message again: a name, an e-mail, a phone number, a card, an IBAN, a US and a non-US
street address. Then a valid answer moves the form on. Afterwards the raw bytes of every sink
(tracker store, broker stream, every log at DEBUG, the designers' export, the desk and channel
databases) are searched. The walk and the checks are here; each store's module starts its walk
and runs them.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests
import sqlalchemy as sa
import yaml

from tests.conftest import ROOT
from tests.e2e.conftest import backend_get, backend_order
from tests.e2e.variants import as_seeded, samples_in

NAME = "Gwendolyn Abernathy"
EMAIL = "g.abernathy61@example.org"
PHONE = "+1 (503) 555-0199"
CARD = "4539 1488 0343 6467"
IBAN = "GB82 WEST 1234 5698 7654 32"
US_ADDRESS = "4417 Larkspur Terrace, Apt 12, Dayton, OH 45402"
NON_US_ADDRESS = "Via delle Coste 41, 00199 Roma"
PERSONAL = (
    f"this is {NAME}, mail {EMAIL} or call {PHONE}; card {CARD}, IBAN {IBAN}; "
    f"I live at {US_ADDRESS}, or at {NON_US_ADDRESS} in summer"
)
# What must not be found anywhere: each value, and the parts of it that identify on their own.
SEARCHED = [
    NAME, "Abernathy", EMAIL, "abernathy61", "555-0199", "5550199", CARD, "4539148803436467",
    "1488 0343", IBAN, "GB82WEST", "5698 7654", "Larkspur", "Via delle Coste",
]  # fmt: skip
# A valid answer to each question when the bot shows no buttons.
ANSWERS = {
    "cancel_reason": "I ordered it by mistake",
    "return_reason": "it doesn't fit",
    "problem_kind": "it arrived damaged",
    "new_address": "55 Elm Road, Springfield, IL 62704",
    "satisfaction_rating": "5",
}
# How each flow opens, and the order states it is tried with.
FLOWS = {
    "order_status_form": ("where is my order?", ["in_transit"]),
    "cancel_order_form": ("I want to cancel my order", ["paid"]),
    "change_address_form": ("I need to change my delivery address", ["paid"]),
    "profile_address_form": ("please update the default address on my account", ["delivered"]),
    # the shop's "report a problem" button: a kind named in words would skip that question
    "delivery_problem_form": ("/delivery_problem", ["delivered"]),
    "return_form": ("I want to return something", ["delivered"]),
    "change_payment_form": ("can I pay with a different card for my order?", ["pending"]),
    "change_items_form": (
        "could I change the size of an item on my order before it ships?",
        ["pending"],
    ),
}


class Served(Protocol):
    """A running stack as the walk sees it: a ``Stack``, or ``make run``'s, seen from outside."""

    env: dict[str, str]
    log_dir: Path

    @property
    def rest_url(self) -> str: ...


@dataclass
class Walk:
    """The questions each form asked, and where everything came to rest."""

    stack: Served
    asked: dict[str, set[str]] = field(default_factory=dict)
    senders: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)


class Shopper:
    """One conversation over REST, with the HTTP API to read where the form is."""

    def __init__(self, stack: Served, transcript: list[str]) -> None:
        self.stack = stack
        self.transcript = transcript
        self.sender = f"pii-{uuid.uuid4().hex[:12]}"
        self.api = f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{self.sender}"
        self.last: list[dict[str, Any]] = []

    def say(self, text: str) -> list[dict[str, Any]]:
        resp = requests.post(
            self.stack.rest_url, json={"sender": self.sender, "message": text}, timeout=30
        )
        assert resp.status_code == 200, resp.text
        self.last = resp.json()
        self.transcript.append(f"{self.sender} you: {text}")
        self.transcript.extend(
            f"  bot: {m.get('text')} {m.get('buttons') or ''}" for m in self.last
        )
        return self.last

    def form(self) -> tuple[str | None, str | None]:
        """The active form and the slot it asks for."""
        resp = requests.get(
            f"{self.api}/tracker", params={"token": self.stack.env["RASA_AUTH_TOKEN"]}, timeout=10
        )
        resp.raise_for_status()
        tracker = resp.json()
        return (tracker.get("active_loop") or {}).get("name"), tracker["slots"].get(
            "requested_slot"
        )

    def execute(self, action: str) -> None:
        resp = requests.post(
            f"{self.api}/execute",
            params={"token": self.stack.env["RASA_AUTH_TOKEN"]},
            json={"name": action},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        self.last = resp.json().get("messages", [])

    def answer(self, slot: str, order: dict[str, str]) -> None:
        """A valid answer: the first button the bot offers, else one that fits the question."""
        buttons = [b for m in self.last for b in m.get("buttons") or []]
        if buttons:
            self.say(buttons[0]["payload"])
        elif slot == "order_id":
            self.say(order["order_id"])
        elif slot == "order_verified":
            self.say(order["email"])
        elif slot == "shopper_identity":  # the demo merchant wants the e-mail and the ZIP
            self.say(f"{order['email']} {order['postcode']}")
        elif slot.endswith("_confirmed"):
            self.say("yes")
        else:
            self.say(ANSWERS.get(slot, "the first one"))


def walk_form(shopper: Shopper, order: dict[str, str], asked: set[str]) -> None:
    """Plant the personal message at each new question, then answer it, until the form ends."""
    planted: set[str] = set()
    for _ in range(30):
        form, slot = shopper.form()
        if form is None or slot is None:
            return
        if slot not in planted:
            planted.add(slot)
            asked.add(slot)
            shopper.say(PERSONAL)
            continue
        shopper.answer(slot, order)
    pytest.fail(f"{shopper.sender}: the form never ended")


def several_lines(stack: Served, order_id: str) -> bool:
    """Several lines: "which items?" is a question."""
    return len(backend_order(stack, order_id)["lines"]) > 1


def another_method_pays(stack: Served, order_id: str) -> bool:
    """The shopper has another payment method that covers the total (gift cards may not)."""
    order = backend_order(stack, order_id)
    paid_with = {p["method"]["payment_method_id"] for p in order["payments"]}
    methods = backend_get(stack, f"customers/{order['customer_id']}/payment-methods")
    return any(
        m["payment_method_id"] not in paid_with
        and (m["type"] != "gift_card" or float(m["balance"]) >= float(order["total"]))
        for m in methods["payment_methods"]
    )


# What an order needs for every question of a flow to be reached.
WALKABLE = {
    "return_form": several_lines,
    "delivery_problem_form": several_lines,
    "change_payment_form": another_method_pays,
}


def untouched(stack: Served, order: dict[str, str]) -> bool:
    """The sample order is still as seeded (``as_seeded``), read from the backend now."""
    return as_seeded(backend_order(stack, order["order_id"]), order["status"])


def walk_everything(stack: Served, store_url: str) -> Walk:
    """Walk every form on ``stack``, whose backend serves the store at ``store_url``.

    Orders are taken oldest first, and only as seeded: on the shared stack the other tests take
    the newest orders of a state and change them.
    """
    walk = Walk(stack)
    used: set[str] = set()
    for form, (opener, statuses) in FLOWS.items():
        candidates = [
            o for status in statuses for o in reversed(samples_in(store_url, status))
            if o["order_id"] not in used
        ]  # fmt: skip
        # an order on which every question can be reached: several lines ("which items?"),
        # and a payment method that can pay instead (a gift card must cover the total)
        fits = WALKABLE.get(form, lambda stack, order_id: True)
        order = next(o for o in candidates if untouched(stack, o) and fits(stack, o["order_id"]))
        used.add(order["order_id"])
        shopper = Shopper(stack, walk.transcript)
        walk.senders.append(shopper.sender)
        shopper.say(opener)
        assert shopper.form()[0] == form, f"{opener!r} did not start {form}"
        walk_form(shopper, order, walk.asked.setdefault(form, set()))
        # free text, out of the blue, once the flow is over (before it, a message with an
        # e-mail in it now starts an order lookup, which answers some of the form's questions)
        shopper.say(PERSONAL)
    # the assistant's own rating question, at the goodbye of a session it served
    served = next(
        o for o in reversed(samples_in(store_url, "in_transit"))
        if o["order_id"] not in used and untouched(stack, o)
    )  # fmt: skip
    shopper = Shopper(stack, walk.transcript)
    walk.senders.append(shopper.sender)
    shopper.say(f"where is order {served['order_id']}? my email is {served['email']}")
    shopper.say("bye")
    assert shopper.form()[0] == "conversation_rating_form", "bye did not ask for a rating"
    walk_form(shopper, served, walk.asked.setdefault("conversation_rating_form", set()))
    # the satisfaction question, as the desk starts it after a resolved handoff
    shopper = Shopper(stack, walk.transcript)
    walk.senders.append(shopper.sender)
    shopper.say(PERSONAL)
    shopper.execute("satisfaction_form")
    walk_form(shopper, order, walk.asked.setdefault("satisfaction_form", set()))
    time.sleep(1)  # let the servers flush their logs
    return walk


def database_text(url: str) -> bytes:
    """Every row of every table of a database, as text (the PostgreSQL side of 'raw bytes')."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            rows = [
                repr(tuple(row))
                for table in tables
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows).encode()


def leaks(values: Iterable[str], stored: dict[str, bytes]) -> list[tuple[str, str]]:
    """Each value found in a sink, with the sink (any case), other than as digits of a fraction.

    Rasa stamps every event with a float time (``1796544167.5550199``), thousands of them in a
    run: by chance one spelled the planted phone's ``5550199``. A number a shopper typed is
    never stored as the digits after a decimal point.
    """
    lowered = {path: content.lower() for path, content in stored.items()}
    return sorted(
        {
            (value, path)
            for value in values
            for path, content in lowered.items()
            if _found(value.lower().encode(), content)
        }
    )


def _found(needle: bytes, haystack: bytes) -> bool:
    """Whether ``needle`` is in ``haystack`` other than as the digits of a fraction."""
    if not needle[:1].isdigit():
        return needle in haystack
    start = haystack.find(needle)
    while start != -1:
        if not _in_fraction(haystack, start):
            return True
        start = haystack.find(needle, start + 1)
    return False


def _in_fraction(text: bytes, at: int) -> bool:
    """Whether the digits from ``at`` on follow a decimal point ("167.555…", "167.03555…")."""
    while at > 0 and text[at - 1 : at].isdigit():
        at -= 1
    return at >= 2 and text[at - 1 : at] == b"." and text[at - 2 : at - 1].isdigit()


def sinks(walk: Walk, export_dir: Path) -> dict[str, bytes]:
    """Every place the stack wrote a conversation to, as raw bytes."""
    env = walk.stack.env
    subprocess.run(
        [sys.executable, "-m", "guardrails.export", "--tracker-url", env["TRACKER_STORE_URL"],
         "--out", str(export_dir)],
        check=True, cwd=ROOT, env=env, capture_output=True, timeout=180,
    )  # fmt: skip
    files = [*walk.stack.log_dir.glob("*"), *export_dir.glob("*")]
    for url in (env["TRACKER_STORE_URL"], env["DESK_DB_URL"], env["CHANNEL_STATE_DB_URL"]):
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            files.extend(path.parent.glob(path.name + "*"))
    found = {str(path): path.read_bytes() for path in files if path.is_file()}
    if env["EVENT_BROKER"] == "file":
        found[env["EVENT_BROKER_URL"]] = Path(env["EVENT_BROKER_URL"]).read_bytes()
    for url in (env["TRACKER_STORE_URL"], env["EVENT_BROKER_URL"]):
        if url.startswith("postgresql://"):
            found[url] = database_text(url)
    return found


# Questions a form asks only on some paths: an exchange's option and payment method, and the
# payment method of an item change that costs the same.
SOMETIMES = {"shopper_identity", "item_changes", "payment_method"}


def every_question_was_asked_and_answered(walked: Walk) -> None:
    """Every required question of every form in domain.yml was asked during the walk."""
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    missed = {
        form: sorted(set(spec["required_slots"]) - SOMETIMES - walked.asked.get(form, set()))
        for form, spec in domain["forms"].items()
    }
    assert {form: slots for form, slots in missed.items() if slots} == {}, "\n".join(
        walked.transcript
    )
    assert "item_changes" in walked.asked["change_items_form"]


def nothing_typed_rests_in_any_sink(walked: Walk, tmp_path: Path) -> None:
    """None of the planted values, nor a part that identifies on its own, is in any sink."""
    stored = sinks(walked, tmp_path / "export")
    names = {Path(p).name for p in stored}
    assert {"rasa.log", "rasa-debug.log", "actions.log", "nlu.yml", "stories.yml"} <= names
    assert any(walked.senders[0].encode() in content for content in stored.values())
    assert leaks(SEARCHED, stored) == []
