"""Local stand-ins for the two remote SaaS APIs the channels send through.

One HTTP server answers Twilio's Messages API (``POST /2010-04-01/Accounts/<sid>/Messages.json``,
form-encoded, Basic auth) and the Graph API's Send API (``POST /me/messages?access_token=…``,
JSON), as the real services do, and records every request so tests can check what a shopper's
phone or Messenger app would have received.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.threads import serve_in_thread


@dataclass
class Sent:
    """One request the stand-in received."""

    api: str  # "twilio" | "graph"
    path: str
    query: dict[str, str]
    auth: tuple[str, str] | None
    body: dict[str, Any]


@dataclass
class ProviderStandIn:
    """Twilio + Graph API stand-in on 127.0.0.1, in a background thread."""

    sent: list[Sent] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                url = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                auth = None
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                    auth = (user, password)
                if url.path.endswith("/Messages.json") and "/Accounts/" in url.path:
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    recorder.record(Sent("twilio", url.path, query, auth, form))
                    sid = url.path.split("/Accounts/")[1].split("/")[0]
                    self._answer(
                        201,
                        {
                            "sid": f"SM{uuid.uuid4().hex}",
                            "account_sid": sid,
                            "to": form.get("To"),
                            "from": form.get("From"),
                            "body": form.get("Body"),
                            "status": "queued",
                        },
                    )
                elif url.path.endswith("/me/messages"):
                    if not query.get("access_token"):
                        self._answer(400, {"error": {"message": "access token required"}})
                        return
                    body = json.loads(raw or b"{}")
                    recorder.record(Sent("graph", url.path, query, auth, body))
                    self._answer(
                        200,
                        {
                            "recipient_id": body.get("recipient", {}).get("id"),
                            "message_id": f"m_{uuid.uuid4().hex}",
                        },
                    )
                else:
                    self._answer(404, {"error": "unknown path"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve_in_thread(self.server)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, sent: Sent) -> None:
        with self._lock:
            self.sent.append(sent)

    def to(self, api: str, recipient: str) -> list[Sent]:
        """Everything sent to one phone number (twilio) or PSID (graph), oldest first."""
        with self._lock:
            if api == "twilio":
                return [s for s in self.sent if s.api == api and s.body.get("To") == recipient]
            return [
                s
                for s in self.sent
                if s.api == api and s.body.get("recipient", {}).get("id") == recipient
            ]

    def wait_for(self, api: str, recipient: str, count: int, timeout_s: float = 10.0) -> list[Sent]:
        """Wait until ``count`` messages reached ``recipient``; the messages so far otherwise."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.to(api, recipient)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.to(api, recipient)
