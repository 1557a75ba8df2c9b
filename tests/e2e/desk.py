"""An agent using the desk's HTTP API as the console does: log in, then act with the CSRF token.

Cookies are carried by hand: the session cookie is ``Secure`` and ``requests`` (rightly)
keeps Secure cookies off plain HTTP, while the desk runs on plain HTTP on localhost here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import requests

from stack.processes import Stack
from tests.e2e.conftest import Chat


def desk_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.env['DESK_PORT']}"


def cookies_of(resp: requests.Response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in resp.raw.headers.getlist("Set-Cookie"):
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass
class Agent:
    """A logged-in agent of the desk."""

    base: str
    cookie: str = ""
    csrf: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def login(cls, stack: Stack, username: str, password: str) -> Agent:
        base = desk_url(stack)
        form = requests.get(f"{base}/login", timeout=10)
        login_csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert login_csrf, form.text
        resp = requests.post(
            f"{base}/login",
            data={"csrf": login_csrf.group(1), "username": username, "password": password},
            headers={"Cookie": f"desk_login_csrf={cookies_of(form)['desk_login_csrf']}"},
            allow_redirects=False,
            timeout=10,
        )
        assert resp.status_code == 303, resp.text
        agent = cls(base, cookie=cookies_of(resp)["desk_session"])
        page = agent.get("/console")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert token, page.text
        agent.csrf = token.group(1)
        return agent

    def _headers(self, csrf: str | None = None) -> dict[str, str]:
        return {
            "Cookie": f"desk_session={self.cookie}",
            "X-CSRF-Token": self.csrf if csrf is None else csrf,
        }

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self._headers(), timeout=30)

    def post(
        self, path: str, body: dict[str, Any] | None = None, csrf: str | None = None
    ) -> requests.Response:
        return requests.post(
            f"{self.base}{path}", json=body or {}, headers=self._headers(csrf), timeout=60
        )

    def queue(self) -> list[dict[str, Any]]:
        resp = self.get("/api/agent/tickets")
        assert resp.status_code == 200, resp.text
        tickets: list[dict[str, Any]] = resp.json()["tickets"]
        return tickets


def handoff_payload(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The machine-readable part of the bot's handoff answer (for REST clients)."""
    found = [m["custom"]["handoff"] for m in messages if "handoff" in (m.get("custom") or {})]
    assert found, messages
    return found[0]


def poll(handoff: dict[str, Any], after: int = 0, wait_s: float = 10.0) -> list[dict[str, Any]]:
    """What a REST client fetches while a person has the conversation (waits for one)."""
    deadline = time.monotonic() + wait_s
    while True:
        resp = requests.get(
            handoff["poll_url"],
            params={"after": str(after)},
            headers={"Authorization": f"Bearer {handoff['token']}"},
            timeout=10,
        )
        assert resp.status_code == 200, resp.text
        messages: list[dict[str, Any]] = resp.json()["messages"]
        if messages or time.monotonic() > deadline:
            return messages
        time.sleep(0.3)


def hand_off(chat: Chat, *messages: str) -> dict[str, Any]:
    """Say ``messages``; the last must bring a person. Returns the handoff payload."""
    replies: list[dict[str, Any]] = []
    for text in messages:
        replies = chat.say(text)
    return handoff_payload(replies)
