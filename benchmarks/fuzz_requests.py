"""What ``python -m benchmarks.fuzz`` sends: every public endpoint and the seeded junk for it.

The list of endpoints and the generator change when a route is added or a new kind of
malformed input is worth trying; how the requests are sent, timed and reported
(`benchmarks.fuzz`) does not. The whole run is planned up front from the seed, so the same
``--seed`` sends the same requests whatever the number of workers.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

BODY_KEYS = [
    "sender", "message", "metadata", "input_channel", "text", "parse_data", "name", "entities",
    "message_id", "policy", "confidence", "event", "email", "postcode", "reason", "items",
    "address", "payment_method_id", "changes", "lines", "kind", "remedy", "resolution",
    "older_than_days", "merchant", "sender_id", "summary", "priority", "ticket_id", "score",
    "object", "entry", "From", "Body", "To", "customData", "conversations",
]  # fmt: skip
QUERY_KEYS = [
    "token", "stream", "include_events", "until", "after", "output_channel", "emulation_mode",
    "execute_side_effects", "limit", "email", "EIO", "transport", "sid", "hub.mode",
    "hub.verify_token", "hub.challenge", "customer_token", "x",
]  # fmt: skip
WORDS = ["hi", "where is my order?", "AC-106180", "refund", "", "null", "user", "greet", "%s"]


@dataclass(frozen=True)
class Endpoint:
    """One public route: the server, the method, the path (``{id}`` is fuzzed), its auth."""

    name: str
    server: str  # a key of Target.bases
    method: str
    path: str
    auth: str = "none"  # rasa | commerce | desk | privacy | agent | none


# Every route of the commerce backend's API (the fuzz test samples the same list).
COMMERCE_ROUTES = [
    ("GET", "/api/v1/orders/{id}"),
    ("POST", "/api/v1/orders/{id}/verify"),
    ("POST", "/api/v1/orders/{id}/cancel"),
    ("POST", "/api/v1/orders/{id}/address"),
    ("POST", "/api/v1/orders/{id}/payment-method"),
    ("POST", "/api/v1/orders/{id}/items"),
    ("POST", "/api/v1/orders/{id}/returns"),
    ("POST", "/api/v1/orders/{id}/claims"),
    ("GET", "/api/v1/customers"),
    ("GET", "/api/v1/customers/{id}"),
    ("GET", "/api/v1/customers/{id}/orders"),
    ("GET", "/api/v1/customers/{id}/payment-methods"),
    ("GET", "/api/v1/customers/{id}/refunds"),
    ("GET", "/api/v1/customers/{id}/claims"),
    ("GET", "/api/v1/products/{id}"),
    ("GET", "/api/v1/recommendations"),
    ("POST", "/api/v1/recommendations/clicks"),
    ("GET", "/api/v1/recommendations/clicks"),
]

ENDPOINTS = [
    Endpoint("rest webhook", "rasa", "POST", "/webhooks/rest/webhook"),
    Endpoint("rest webhook ?stream=true", "rasa", "POST", "/webhooks/rest/webhook?stream=true"),
    Endpoint("sms webhook", "rasa", "POST", "/webhooks/sms/{id}"),
    Endpoint("messenger webhook", "rasa", "POST", "/webhooks/messenger/{id}"),
    Endpoint("messenger handshake", "rasa", "GET", "/webhooks/messenger/{id}"),
    Endpoint("webchat page", "rasa", "GET", "/webhooks/webchat/{id}/"),
    Endpoint("socket.io GET", "rasa", "GET", "/socket.io/"),
    Endpoint("socket.io POST", "rasa", "POST", "/socket.io/"),
    Endpoint("rasa /model/parse", "rasa", "POST", "/model/parse", "rasa"),
    Endpoint("rasa tracker", "rasa", "GET", "/conversations/{id}/tracker", "rasa"),
    Endpoint(
        "rasa shopper_messages", "rasa", "GET", "/conversations/{id}/shopper_messages", "rasa"
    ),
    Endpoint("rasa shopper_messages batch", "rasa", "POST", "/shopper_messages", "rasa"),
    Endpoint("rasa messages", "rasa", "POST", "/conversations/{id}/messages", "rasa"),
    Endpoint("rasa trigger_intent", "rasa", "POST", "/conversations/{id}/trigger_intent", "rasa"),
    Endpoint("rasa execute", "rasa", "POST", "/conversations/{id}/execute", "rasa"),
    Endpoint("rasa tracker/events", "rasa", "POST", "/conversations/{id}/tracker/events", "rasa"),
    *[
        Endpoint(f"commerce {method} {path}", "commerce", method, path, "commerce")
        for method, path in COMMERCE_ROUTES
    ],
    *[
        Endpoint(f"desk {method} {path}", "desk", method, path, auth)
        for method, path, auth in [
            ("POST", "/api/bot/tickets", "desk"),
            ("POST", "/api/bot/ratings", "desk"),
            ("GET", "/api/shopper/messages", "none"),
            ("GET", "/api/agent/tickets", "agent"),
            ("GET", "/api/agent/tickets/{id}", "agent"),
            ("GET", "/api/agent/audit", "agent"),
            ("POST", "/api/agent/tickets/{id}/reveal", "agent"),
            ("POST", "/api/agent/tickets/{id}/claim", "agent"),
            ("POST", "/api/agent/tickets/{id}/assign", "agent"),
            ("POST", "/api/agent/tickets/{id}/reply", "agent"),
            ("POST", "/api/agent/tickets/{id}/handback", "agent"),
            ("POST", "/api/agent/tickets/{id}/resolve", "agent"),
            ("POST", "/connectors/chatwoot/webhook", "none"),
            ("POST", "/login", "none"),
        ]
    ],
    *[
        Endpoint(f"privacy {method} {path}", "privacy", method, path, "privacy")
        for method, path in [
            ("GET", "/privacy/v1/conversations/{id}"),
            ("GET", "/privacy/v1/customers/{id}"),
            ("DELETE", "/privacy/v1/conversations/{id}"),
            ("POST", "/privacy/v1/retention/purge"),
        ]
    ],
]


class Junk:
    """Seeded generator of malformed (and now and then well-formed) requests."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def text(self, max_len: int = 40) -> str:
        r = self.rng
        kind = r.random()
        if kind < 0.3:
            return r.choice(WORDS)
        if kind < 0.5:
            return "".join(r.choice(string.printable) for _ in range(r.randint(0, max_len)))
        if kind < 0.6:
            return "x" * r.choice([256, 2001, 5000])
        alphabet = [chr(r.randint(0, 0x2FFF)) for _ in range(8)] + ["\ud800", "\x00", "/", "%"]
        return "".join(r.choice(alphabet) for _ in range(r.randint(0, max_len)))

    def value(self, depth: int = 0) -> Any:
        r = self.rng
        kinds = ["null", "bool", "int", "float", "text"] + (["list", "dict"] if depth < 3 else [])
        kind = r.choice(kinds)
        if kind == "null":
            return None
        if kind == "bool":
            return r.random() < 0.5
        if kind == "int":
            return r.choice([0, -1, 1, 2**63, r.randint(-(10**6), 10**6)])
        if kind == "float":
            return r.choice([0.5, -1e308, 1e308, 3.14])
        if kind == "text":
            return self.text()
        if kind == "list":
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        return {self.key(): self.value(depth + 1) for _ in range(r.randint(0, 4))}

    def key(self) -> str:
        return self.rng.choice(BODY_KEYS) if self.rng.random() < 0.8 else self.text(10)

    def body(self) -> bytes:
        """Any JSON, an object with the keys endpoints read, raw bytes, or nothing."""
        r = self.rng
        kind = r.random()
        if kind < 0.3:
            return json.dumps(self.value()).encode()
        if kind < 0.75:
            obj = {self.key(): self.value(1) for _ in range(r.randint(0, 5))}
            if r.random() < 0.3:  # close to a real REST message
                obj.update(sender=self.text(12) or "s", message=r.choice(WORDS))
            return json.dumps(obj).encode()
        if kind < 0.9:
            return bytes(r.randint(0, 255) for _ in range(r.randint(0, 200)))
        return b"" if r.random() < 0.5 else b"{" * 70_000

    def path_part(self) -> str:
        r = self.rng
        if r.random() < 0.3:
            return r.choice(["demo", "outdoor-7f3c", "AC-106180", "C-00001", "1", "x"])
        return quote(self.text(30), safe="", errors="surrogatepass") or "x"

    def query(self) -> dict[str, str]:
        keys = self.rng.sample(QUERY_KEYS, self.rng.randint(0, 3))
        return {k: self.text(20).encode("utf-8", "replace").decode() for k in keys}

    def header(self) -> str:
        """A header value an HTTP client can send: visible ASCII."""
        return "".join(ch for ch in self.text(60) if 32 < ord(ch) < 127) or "x"

    def content_type(self) -> str:
        return self.rng.choice(
            ["application/json", "application/x-www-form-urlencoded", "text/plain", ""]
        )


def plan(n: int, seed_value: int) -> list[tuple[Endpoint, dict[str, Any]]]:
    """The whole run, generated up front so every worker count sends the same requests."""
    rng = random.Random(seed_value)
    junk = Junk(rng)
    requests_: list[tuple[Endpoint, dict[str, Any]]] = []
    for _ in range(n):
        endpoint = rng.choice(ENDPOINTS)
        requests_.append(
            (
                endpoint,
                {
                    "id": junk.path_part(),
                    "query": junk.query(),
                    "body": junk.body(),
                    "content_type": junk.content_type(),
                    "credential": rng.choice(["right", "right", "wrong", "none"]),
                    "header_junk": junk.header() if rng.random() < 0.1 else None,
                },
            )
        )
    return requests_
