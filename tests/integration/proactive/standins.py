"""Local stand-ins speaking the real APIs the proactive sender calls, in background threads.

- Twilio's Messages API: ``POST`` (form-encoded, Basic auth) creates a message and ``GET``
  lists the account's messages newest first, filtered by ``To`` and ``From``, in Twilio's page
  format, so the real ``twilio`` client reads it. A queue of failures can be planted.
- Rasa's HTTP API: ``GET /conversations/<id>/tracker`` and ``POST .../trigger_intent`` (token
  auth), recording the external user event and the bot's response in the conversation as Rasa
  does, so a shopper's turn can be added and the conversation read back.

Both run in threads of this process on real ports, so a child process can reach them too.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.threads import serve_in_thread

RASA_TOKEN = "rasa-test-token"
# What the domain's response would say, per kind (the stand-in's "domain").
WORDS = {
    "delay": "Your order {order_id} is running a little late. Reply here if you need anything.",
    "exception": "There is a problem with the delivery of {order_id}. Reply and we will sort it.",
    "delivered": "Your order {order_id} was delivered. Anything not right? Just reply.",
    "refund_paid": "Your refund for {order_id} is on its way.",
    "review_request": "How do you like your order {order_id}? Reply with a star rating, 1 to 5.",
    "replenishment": "Running low? Reply to reorder the items of {order_id}.",
}


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    serve_in_thread(server)
    return server


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep test output quiet
        return

    def answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def raw(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


@dataclass
class TwilioStandIn:
    """Twilio's Messages API for any account; ``sent`` holds every created message."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, int]] = field(default_factory=list)  # (HTTP status, Twilio code)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        twilio = self

        class Handler(_Handler):
            def _account(self) -> str | None:
                path = urlsplit(self.path).path
                if not (
                    path.startswith("/2010-04-01/Accounts/") and path.endswith("/Messages.json")
                ):
                    self.answer(404, {"code": 20404, "message": "not found", "status": 404})
                    return None
                sid = path.split("/Accounts/")[1].split("/")[0]
                basic = self.headers.get("Authorization", "Basic ")[6:]
                user = base64.b64decode(basic).decode().partition(":")[0]
                if user != sid:
                    self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return None
                return sid

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                sid = self._account()
                if sid is None:
                    return
                form = {k: v[0] for k, v in parse_qs(self.raw().decode()).items()}
                with twilio._lock:
                    if twilio.failures:
                        status, code = twilio.failures.pop(0)
                        message = f"The 'To' number {form.get('To')} is not valid."
                        self.answer(status, {"code": code, "message": message, "status": status})
                        return
                    message = {
                        "sid": f"SM{uuid.uuid4().hex}",
                        "account_sid": sid,
                        "to": form.get("To"),
                        "from": form.get("From"),
                        "body": form.get("Body"),
                        "status": "queued",
                        "date_created": dt.datetime.now(dt.timezone.utc).strftime(
                            "%a, %d %b %Y %H:%M:%S +0000"
                        ),
                    }
                    twilio.sent.append(message)
                self.answer(201, message)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                sid = self._account()
                if sid is None:
                    return
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                with twilio._lock:
                    found = [
                        m
                        for m in reversed(twilio.sent)
                        if m["account_sid"] == sid
                        and m["to"] == query.get("To", m["to"])
                        and m["from"] == query.get("From", m["from"])
                    ][: int(query.get("PageSize", "50"))]
                uri = urlsplit(self.path).path
                self.answer(
                    200,
                    {
                        "messages": found,
                        "page": 0,
                        "page_size": len(found),
                        "start": 0,
                        "end": max(len(found) - 1, 0),
                        "uri": uri,
                        "first_page_uri": uri,
                        "next_page_uri": None,
                        "previous_page_uri": None,
                    },
                )

        self.server = _serve(Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def to(self, phone: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m for m in self.sent if m["to"] == phone]


@dataclass
class RasaStandIn:
    """Rasa's tracker and trigger_intent endpoints over conversations kept in memory."""

    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        rasa = self

        class Handler(_Handler):
            def _route(self) -> tuple[str, str] | None:
                url = urlsplit(self.path)
                if parse_qs(url.query).get("token", [""])[0] != RASA_TOKEN:
                    self.answer(401, {"status": "failure", "reason": "NotAuthenticated"})
                    return None
                parts = url.path.split("/")
                if len(parts) != 4 or parts[1] != "conversations":
                    self.answer(404, {"status": "failure", "reason": "NotFound"})
                    return None
                return unquote(parts[2]), parts[3]

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                route = self._route()
                if route is None:
                    return
                with rasa._lock:
                    events = list(rasa.conversations.get(route[0], []))
                self.answer(200, {"sender_id": route[0], "events": events})

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                route = self._route()
                if route is None or route[1] != "trigger_intent":
                    return None if route is None else self.answer(404, {"reason": "NotFound"})
                body = json.loads(self.raw())
                if body.get("name") != "EXTERNAL_proactive_update":
                    self.answer(404, {"status": "failure", "reason": "NotFound"})
                    return None
                entities = body.get("entities") or {}
                text = WORDS[entities["proactive_kind"]].format(order_id=entities["order_id"])
                output = parse_qs(urlsplit(self.path).query).get("output_channel", [""])[0]
                with rasa._lock:
                    rasa.triggers.append({"conversation_id": route[0], "output": output, **body})
                    rasa.conversations.setdefault(route[0], []).extend(
                        [
                            {
                                "event": "user",
                                "text": f"EXTERNAL: {body['name']}",
                                "timestamp": time.time(),
                                "metadata": {"is_external": True},
                                "parse_data": {
                                    "intent": {"name": body["name"]},
                                    "entities": [
                                        {"entity": k, "value": v} for k, v in entities.items()
                                    ],
                                },
                            },
                            {"event": "bot", "text": text, "timestamp": time.time()},
                            {"event": "action", "name": "action_listen"},
                        ]
                    )
                messages = [] if output else [{"recipient_id": route[0], "text": text}]
                self.answer(200, {"tracker": {"sender_id": route[0]}, "messages": messages})
                return None

        self.server = _serve(Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def shopper_wrote(self, conversation_id: str, text: str, at: dt.datetime) -> None:
        """Add a shopper's own turn to a conversation (as a channel's message would)."""
        with self._lock:
            self.conversations.setdefault(conversation_id, []).append(
                {
                    "event": "user",
                    "text": text,
                    "timestamp": at.timestamp(),
                    "metadata": {},
                    "parse_data": {"intent": {"name": "order_status"}, "entities": []},
                }
            )

    def triggers_for(self, conversation_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [t for t in self.triggers if t["conversation_id"] == conversation_id]
