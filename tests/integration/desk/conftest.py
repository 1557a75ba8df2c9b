"""The desk in process on a temporary database, with agents of two merchants.

One agent's name carries script markup, as a name typed into ``agents.yml`` could. The
assistant's side is a stand-in that records what the desk sends, so no Rasa is needed.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from desk.app import create_app
from desk.config import AgentSeed, CannedAnswer, DeskConfig
from desk.conversations import ShopperMessage
from stack.settings import DEFAULTS_FILE, read_env_file

ENV = read_env_file(DEFAULTS_FILE)
BOT_TOKEN = "desk-pages-bot-token"
MARKUP_NAME = '<script>alert("name")</script> & Co'
AGENTS = [
    AgentSeed(username="ana", name="Ana Reyes", merchant="demo", password_env="PW_ANA"),
    AgentSeed(username="mal", name=MARKUP_NAME, merchant="demo", password_env="PW_MAL"),
    AgentSeed(username="lee", name="Lee Tran", merchant="tau-bench", password_env="PW_LEE"),
]
PASSWORDS = {"ana": "ana-password", "mal": "mal-password", "lee": "lee-password"}


class QuietConversations:
    """The assistant's side: remembers what agents sent, has nothing new from shoppers."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, sender_id: str, text: str, agent_name: str) -> None:
        self.sent.append((sender_id, text, agent_name))

    async def resume(self, sender_id: str, action: str) -> list[str]:
        return []

    async def shopper_messages(self, sender_id: str, after: float) -> list[ShopperMessage]:
        return []

    async def shopper_messages_of(
        self, afters: dict[str, float]
    ) -> dict[str, list[ShopperMessage]]:
        return {sender_id: [] for sender_id in afters}


def desk_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeskConfig:
    """Settings of a desk on ``tmp_path``; the session cookie is not ``Secure`` (plain HTTP)."""
    for agent in AGENTS:
        monkeypatch.setenv(agent.password_env, PASSWORDS[agent.username])
    return DeskConfig(
        db_url=f"sqlite:///{tmp_path / 'desk.db'}",
        api_token=BOT_TOKEN,
        rasa_token="unused",
        transcript_key=ENV["DESK_TRANSCRIPT_KEY"],
        cookie_secure=False,
        sync_interval_s=60,
        agents=AGENTS,
        canned=[CannedAnswer(title="Greeting", text="Hi, Ana here.")],
        analytics_db_url=f"sqlite:///{tmp_path / 'analytics.db'}",
    )


@pytest_asyncio.fixture
async def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TestClient]:
    """A client of the desk (its own cookie jar: one browser)."""
    app = create_app(desk_config(tmp_path, monkeypatch), conversations=QuietConversations())
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def form_token(page: str) -> str:
    """The login form's hidden CSRF value."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def console_token(page: str) -> str:
    """The session's CSRF token as the console page carries it for console.js."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert found, page
    return found.group(1)


async def log_in(client: TestClient, username: str, password: str | None = None) -> str:
    """Log in through the form as a browser does (``PASSWORDS`` unless given); the console."""
    form = await client.get("/login")
    resp = await client.post(
        "/login",
        data={
            "csrf": form_token(await form.text()),
            "username": username,
            "password": password or PASSWORDS[username],
        },
    )
    assert resp.status == 200 and resp.url.path == "/console", await resp.text()
    return await resp.text()


async def open_ticket(client: TestClient, transcript: list[tuple[str, str]], **fields: Any) -> int:
    """The assistant hands a conversation over; returns the ticket id."""
    body = {
        "merchant": "demo",
        "sender_id": "shopper-1",
        "reason": "asked_for_person",
        "priority": 10,
        "summary": {"intent": "delivery_problem"},
        "transcript": transcript,
        **fields,
    }
    resp = await client.post(
        "/api/bot/tickets", json=body, headers={"Authorization": f"Bearer {BOT_TOKEN}"}
    )
    assert resp.status == 201, await resp.text()
    ticket_id: int = (await resp.json())["ticket_id"]
    return ticket_id
