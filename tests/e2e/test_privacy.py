"""Nothing personal comes to rest anywhere, and the conversations still work.

Shoppers plant names, e-mails, phone numbers, card numbers, addresses and IBANs in real
conversations with the running stack (REST channel, Rasa, action server, backend, the file
event broker). Afterwards every sink is searched for every planted value: the tracker
database file, every log file of the three servers (including Rasa's ``--log-file`` debug
log), the broker's event stream, and a designers' export. Then one shopper's data is deleted
through the privacy admin API and every store is searched again for that conversation.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from analytics.facts import sender_key
from stack.processes import Stack
from tests.conftest import ROOT
from tests.e2e.conftest import Chat, backend_order, order_in, product_named_alone, wait_until
from tests.e2e.privacy_walk import leaks
from tests.e2e.test_proactive import consent

NAME = "Gwendolyn Abernathy"
LOWER_NAME = "ezequiel thornbury"
PHONE = "+1 (503) 555-0199"
CARD = "4539 1488 0343 6467"
IBAN = "GB82 WEST 1234 5698 7654 32"
NEW_ADDRESS = "4417 Larkspur Terrace, Dayton, OH 45402"
OTHER_PHONE = "+1 (971) 555-0148"


def variants(value: str) -> list[str]:
    """The value as typed and the ways it could be re-rendered (digits only, compact)."""
    forms = {value, value.replace(" ", ""), value.lower()}
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) >= 7:
        forms.add(digits)
    return sorted(forms)


@dataclass
class Planted:
    """What the conversations typed, and what they must still have achieved."""

    values: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    tracking_numbers: list[str] = field(default_factory=list)
    senders: list[str] = field(default_factory=list)


def sinks(stack: Stack, export_dir: Path) -> dict[str, bytes]:
    """Every place the stack wrote to, as raw bytes (a database file too: free pages count)."""
    tracker_db = Path(stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///"))
    files = [
        *tracker_db.parent.glob(tracker_db.name + "*"),
        *stack.log_dir.glob("*"),
        Path(stack.env["EVENT_BROKER_URL"]),
        *export_dir.glob("*.yml"),
    ]
    return {str(path): path.read_bytes() for path in files if path.is_file()}


def export_conversations(stack: Stack, out: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "guardrails.export", "--tracker-url", stack.env["TRACKER_STORE_URL"],
         "--out", str(out)],
        check=True, cwd=ROOT, env=stack.env, capture_output=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def planted(stack: Stack, seeded_store: tuple[str, list[dict[str, str]]]) -> Planted:
    """Five conversations full of personal data; each checks that it still worked."""
    demo_orders = seeded_store[1]
    found = Planted(
        values=[NAME, LOWER_NAME, PHONE, CARD, IBAN, NEW_ADDRESS, "Larkspur", OTHER_PHONE]
    )

    # 1. where is my order, with a name and phone number, verified by the order's e-mail
    order = order_in(demo_orders, "in_transit", 1)
    chat = Chat(stack.rest_url)
    chat.text(f"hi, this is {NAME}, my number is {PHONE}")
    chat.text("where is my order?")
    chat.text(order["order_id"])
    reply = chat.text(order["email"])
    tracking = backend_order(stack, order["order_id"])["shipment"]["tracking_number"]
    assert tracking in reply, reply  # the order looked up by its e-mail is answered
    found.values.append(order["email"])
    found.order_ids.append(order["order_id"])
    found.tracking_numbers.append(tracking)
    found.senders.append(chat.sender)

    # 2. a card number and an IBAN in a complaint
    chat = Chat(stack.rest_url)
    reply = chat.text(f"I was charged twice on my card {CARD}, refund it to IBAN {IBAN} please")
    assert reply.strip()
    found.senders.append(chat.sender)

    # 3. a new delivery address, read back and changed after a yes
    order = order_in(demo_orders, "paid", 2)
    chat = Chat(stack.rest_url)
    chat.text("i need to change my delivery address")
    chat.text(order["order_id"])
    assert "new delivery address" in chat.text(order["email"])
    assert NEW_ADDRESS in chat.text(NEW_ADDRESS)  # the live turn still sees the real address
    assert "will now go to" in chat.text("yes")
    shipping = backend_order(stack, order["order_id"])["shipping_address"]
    assert (shipping["line1"], shipping["postcode"]) == ("4417 Larkspur Terrace", "45402")
    found.values.append(order["email"])
    found.order_ids.append(order["order_id"])
    found.senders.append(chat.sender)

    # 4. a lower-case name and an e-mail typed out of the blue
    chat = Chat(stack.rest_url)
    assert chat.text(f"my name is {LOWER_NAME}, write to me at e.thornbury77@example.org").strip()
    found.values.append("e.thornbury77@example.org")
    found.senders.append(chat.sender)

    # 5. several requests in one message: each clause kept for later, one of them quoted back
    order = order_in(demo_orders, "delayed", 1)
    product = product_named_alone(stack, demo_orders)
    chat = Chat(stack.rest_url)
    reply = chat.text(
        f"where is order {order['order_id']}, email {order['email']}? also how much is the "
        f"{product['name']}? my cell is {OTHER_PHONE} if you need it"
    )
    assert f"The {product['name']} costs" in reply and order["order_id"] in reply, reply
    found.values.append(order["email"])
    found.senders.append(chat.sender)
    time.sleep(1)  # let the servers flush their logs
    return found


def test_no_planted_value_rests_in_any_sink(stack: Stack, planted: Planted, tmp_path: Path) -> None:
    export_conversations(stack, tmp_path / "export")
    stored = sinks(stack, tmp_path / "export")
    names = {Path(p).name for p in stored}
    assert {"tracker.db", "rasa.log", "rasa-debug.log", "actions.log", "commerce.log"} <= names
    assert {"events.log", "nlu.yml", "stories.yml"} <= names
    searched = [value for planted_value in planted.values for value in variants(planted_value)]
    assert leaks(searched, stored) == []


def test_order_ids_and_tracking_numbers_stay_intact_in_stored_events(
    stack: Stack, planted: Planted
) -> None:
    tracker_db = stack.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(tracker_db) as conn:
        rows = conn.execute(
            f"SELECT data FROM events WHERE sender_id IN ({','.join('?' * len(planted.senders))})",
            planted.senders,
        ).fetchall()
    stored = "\n".join(r[0] for r in rows)
    for value in [*planted.order_ids, *planted.tracking_numbers]:
        assert value in stored
    assert "<PERSON>" in stored and "<STREET_ADDRESS>" in stored
    assert "<EMAIL_ADDRESS_" in stored and "<PHONE_NUMBER_" in stored
    assert "**** **** **** 6467" in stored and "<IBAN_CODE_" in stored


def test_the_export_is_trainable_rasa_data(stack: Stack, planted: Planted, tmp_path: Path) -> None:
    out = tmp_path / "export"
    export_conversations(stack, out)
    from rasa.shared.nlu.training_data.loading import load_data

    examples = load_data(str(out / "nlu.yml")).intent_examples
    texts = [m.get("text") for m in examples]
    assert any(order_id in t for t in texts for order_id in planted.order_ids)
    assert not any("<PERSON>" in t or "<EMAIL_ADDRESS" in t or "****" in t for t in texts)
    assert "Larkspur" not in (out / "stories.yml").read_text()


# --- shoppers' rights: the admin API on the same stores ----------------------------------


def _auth(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.env['AFTERCARE_PRIVACY_TOKEN']}"}


def test_when_the_token_is_wrong_or_missing_then_the_privacy_api_refuses(
    privacy_api: str, planted: Planted
) -> None:
    url = f"{privacy_api}/conversations/{planted.senders[0]}"
    assert requests.get(url, timeout=5).status_code == 401
    wrong = requests.delete(url, headers={"Authorization": "Bearer guess"}, timeout=5)
    assert wrong.status_code == 401 and "token" in wrong.json()["error"]


def test_when_a_request_is_malformed_then_the_privacy_api_says_why(
    stack: Stack, privacy_api: str
) -> None:
    bad = requests.post(
        f"{privacy_api}/retention/purge", json={"older_than_days": "soon"}, headers=_auth(stack),
        timeout=5,
    )  # fmt: skip
    assert bad.status_code == 400 and "older_than_days" in bad.json()["error"]
    unknown = requests.get(
        f"{privacy_api}/conversations/nobody-here", headers=_auth(stack), timeout=5
    )
    assert unknown.status_code == 404


def test_a_customer_gets_their_conversations_with_their_own_values(
    stack: Stack, privacy_api: str, planted: Planted
) -> None:
    customer = backend_order(stack, planted.order_ids[0])["customer_id"]
    resp = requests.get(f"{privacy_api}/customers/{customer}", headers=_auth(stack), timeout=10)
    assert resp.status_code == 200, resp.text
    conversations = resp.json()["conversations"]
    assert planted.senders[0] in conversations
    texts = [e.get("text") or "" for e in conversations[planted.senders[0]]]
    assert any(planted.tracking_numbers[0] in t for t in texts)


def test_after_deletion_no_store_holds_the_conversation(
    stack: Stack, privacy_api: str, planted: Planted
) -> None:
    sender = planted.senders[2]  # the address change
    resp = requests.delete(
        f"{privacy_api}/conversations/{sender}", headers=_auth(stack), timeout=10
    )
    assert resp.status_code == 200, resp.text
    removed = resp.json()["removed"]
    assert removed["tracker_events"] > 0 and removed["broker_events"] > 0
    time.sleep(0.5)
    for path, content in sinks(stack, Path("/nonexistent")).items():
        assert sender.encode() not in content, path
    export = requests.get(f"{privacy_api}/conversations/{sender}", headers=_auth(stack), timeout=5)
    assert export.status_code == 404
    # the other shoppers' conversations are untouched
    other = requests.get(
        f"{privacy_api}/conversations/{planted.senders[1]}", headers=_auth(stack), timeout=5
    )
    assert other.status_code == 200
    assert json.dumps(other.json()).count('"event": "user"') >= 1


def _rows(url: str, query: str, value: str) -> int:
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute(query, (value,)).fetchone()[0])


def test_after_deletion_the_desk_analytics_and_proactive_messages_keep_nothing_of_it(
    stack: Stack, privacy_api: str, demo_orders: list[dict[str, str]]
) -> None:
    """A verified shopper handed to a person leaves a ticket and analytics rows; deleting the
    conversation removes them, from the files too. The shop's consent to order news for that
    conversation is the shop's own record, and stays."""
    env = stack.env
    order = order_in(demo_orders, "shipped", 2)
    chat = Chat(stack.rest_url)
    assert order["order_id"] in chat.text(
        f"where is order {order['order_id']}? my email is {order['email']}"
    )
    assert "queue" in chat.text("can I talk to a real person please")
    consent(stack, backend_order(stack, order["order_id"])["customer_id"], conversation=chat.sender)
    key = sender_key(chat.sender, env)
    tickets = "SELECT COUNT(*) FROM desk_tickets WHERE sender_id = ?"
    consents = "SELECT COUNT(*) FROM proactive_consents WHERE conversation_id = ?"
    facts = "SELECT COUNT(*) FROM analytics_events WHERE sender_key = ?"
    wait_until(lambda: _rows(env["DESK_DB_URL"], tickets, chat.sender) == 1, 30, "a ticket")
    wait_until(lambda: _rows(env["ANALYTICS_DB_URL"], facts, key) > 0, 30, "analytics facts")
    assert _rows(env["PROACTIVE_DB_URL"], consents, chat.sender) == 4  # one per kind of news

    resp = requests.delete(
        f"{privacy_api}/conversations/{chat.sender}", headers=_auth(stack), timeout=30
    )
    assert resp.status_code == 200, resp.text
    removed = resp.json()["removed"]
    assert removed["desk_rows"] >= 2  # the ticket and its transcript's first message
    assert removed["analytics_rows"] > 0 and removed["proactive_rows"] == 0
    assert _rows(env["DESK_DB_URL"], tickets, chat.sender) == 0
    assert _rows(env["ANALYTICS_DB_URL"], facts, key) == 0
    assert _rows(env["PROACTIVE_DB_URL"], consents, chat.sender) == 4
    for name, needle in (("DESK", chat.sender), ("ANALYTICS", key)):
        path = Path(env[f"{name}_DB_URL"].removeprefix("sqlite:///"))
        for part in path.parent.glob(path.name + "*"):  # free pages and journals too
            assert needle.encode() not in part.read_bytes(), part
    # the analytics follower reads the rewritten stream again: it brings back no one deleted,
    # and goes on with what comes next
    later = Chat(stack.rest_url)
    assert later.text("hi").strip()
    later_key = sender_key(later.sender, env)
    wait_until(lambda: _rows(env["ANALYTICS_DB_URL"], facts, later_key) > 0, 30, "later facts")
    assert _rows(env["ANALYTICS_DB_URL"], facts, key) == 0
