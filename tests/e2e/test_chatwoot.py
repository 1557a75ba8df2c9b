"""Chatwoot as the agents' desk, against the running assistant and a local Chatwoot stand-in.

The stand-in speaks the part of Chatwoot's application API the connector uses and records
every call; the webhooks sent to the desk are Chatwoot's documented Agent Bot payloads
(tests/fixtures/chatwoot), signed as Chatwoot signs them. Rasa, the action server and the
desk's own code are the real ones.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer

from desk.app import create_app
from desk.config import DeskConfig
from desk.connectors.chatwoot import sign
from stack.processes import Stack
from stack.settings import read_env_file
from tests.conftest import ROOT
from tests.e2e.conftest import Chat
from tests.e2e.desk import hand_off

FIXTURES = ROOT / "tests" / "fixtures" / "chatwoot"
SECRET = "test-webhook-secret"
TOKEN = "desk-test-token"


def fixture(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return payload


class ChatwootStandIn:
    """Records the connector's calls and answers as Chatwoot's API does."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any], str]] = []
        self.app = web.Application()
        self.app.router.add_post("/api/v1/accounts/{account}/{rest:.*}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        rest = request.match_info["rest"]
        self.calls.append((rest, body, request.headers.get("api_access_token", "")))
        if rest == "contacts":
            contact = {"id": 7, "name": body["name"], "identifier": body["identifier"]}
            inbox = {"source_id": "src-7", "inbox": {"id": body["inbox_id"]}}
            return web.json_response({"payload": {"contact": contact, "contact_inbox": inbox}})
        if rest == "conversations":
            return web.json_response({"id": 42, "inbox_id": body["inbox_id"], "status": "pending"})
        if rest.endswith("/toggle_status"):
            return web.json_response({"payload": {"success": True, "current_status": "open"}})
        return web.json_response({"id": len(self.calls), "content": body.get("content")})

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.calls]


@pytest.fixture
async def chatwoot() -> AsyncIterator[tuple[ChatwootStandIn, str]]:
    stand_in = ChatwootStandIn()
    server = TestServer(stand_in.app, host="127.0.0.1")
    await server.start_server()
    yield stand_in, str(server.make_url("")).rstrip("/")
    await server.close()


@pytest.fixture
async def desk(
    stack: Stack, chatwoot: tuple[ChatwootStandIn, str], tmp_path: Path
) -> AsyncIterator[str]:
    """A desk using the Chatwoot connector, talking to the running Rasa server."""
    defaults = read_env_file(ROOT / "stack" / "defaults.env")
    config = DeskConfig(
        db_url=f"sqlite:///{tmp_path / 'desk.db'}",
        api_token=TOKEN,
        rasa_url=f"http://127.0.0.1:{stack.env['RASA_PORT']}",
        rasa_token=stack.env["RASA_AUTH_TOKEN"],
        transcript_key=defaults["DESK_TRANSCRIPT_KEY"],
        sync_interval_s=0.3,
        connector="chatwoot",
        chatwoot_url=chatwoot[1],
        chatwoot_token="agent-bot-token",
        chatwoot_account_id=1,
        chatwoot_inbox_id=5,
        chatwoot_webhook_secret=SECRET,
    )
    server = TestServer(create_app(config), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


async def webhook(
    http: aiohttp.ClientSession, desk: str, payload: dict[str, Any], secret: str = SECRET
) -> aiohttp.ClientResponse:
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Chatwoot-Timestamp": stamp,
        "X-Chatwoot-Signature": sign(secret, stamp, body),
    }
    return await http.post(f"{desk}/connectors/chatwoot/webhook", data=body, headers=headers)


def rasa_events(stack: Stack, sender: str) -> list[dict[str, Any]]:
    resp = requests.get(
        f"http://127.0.0.1:{stack.env['RASA_PORT']}/conversations/{sender}/tracker",
        params={"token": stack.env["RASA_AUTH_TOKEN"]},
        timeout=10,
    )
    events: list[dict[str, Any]] = resp.json()["events"]
    return events


async def test_chatwoot_conversation_opens_relays_the_agent_and_resolving_resumes_the_bot(
    stack: Stack, chat: Chat, chatwoot: tuple[ChatwootStandIn, str], desk: str
) -> None:
    stand_in, _ = chatwoot
    # The shopper is handed off (the bot is paused); the action server's ticket call, made here
    # to the Chatwoot-backed desk.
    await asyncio.to_thread(hand_off, chat, "get me a human, my email is kim@example.com")
    async with aiohttp.ClientSession() as http:
        opened = await http.post(
            f"{desk}/api/bot/tickets",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={
                "merchant": "demo",
                "sender_id": chat.sender,
                "reason": "asked_for_person",
                "priority": 30,
                "summary": {"intent": None, "note": "reach me at kim@example.com"},
                "transcript": [["shopper", "get me a human, my email is kim@example.com"]],
                "after_ts": time.time(),
            },
        )
        assert opened.status == 201, await opened.text()
        assert stand_in.paths() == [
            "contacts",
            "conversations",
            "conversations/42/messages",  # the summary, as a private note
            "conversations/42/messages",  # the last turns
            "conversations/42/toggle_status",
        ]
        _, conversation, _ = stand_in.calls[1]
        assert conversation["status"] == "pending" and conversation["inbox_id"] == 5
        assert stand_in.calls[-1][1] == {"status": "open"}
        note = stand_in.calls[2][1]
        assert note["private"] is True and "kim@example.com" not in note["content"]
        assert all(token == "agent-bot-token" for _, _, token in stand_in.calls)

        # What the shopper writes while waiting reaches the Chatwoot conversation.
        await asyncio.to_thread(chat.say, "it's for order AC-100001")
        for _ in range(40):
            if any("AC-100001" in (b.get("content") or "") for _, b, _ in stand_in.calls):
                break
            await asyncio.sleep(0.25)
        forwarded = [b for p, b, _ in stand_in.calls if p == "conversations/42/messages"]
        assert forwarded[-1] == {"content": "it's for order AC-100001", "message_type": "incoming"}

        # Forged and unsigned webhooks are refused; Chatwoot's own are acted on.
        agent_says = fixture("message_created_agent")
        assert (await webhook(http, desk, agent_says, secret="wrong")).status == 401
        unsigned = await http.post(f"{desk}/connectors/chatwoot/webhook", json=agent_says)
        assert unsigned.status == 401
        for ignored in ("message_created_private_note", "message_created_incoming"):
            resp = await webhook(http, desk, fixture(ignored))
            assert (await resp.json()) == {"handled": False}
        resp = await webhook(http, desk, agent_says)
        assert (await resp.json()) == {"handled": True}
        bot_texts = [e.get("text") for e in rasa_events(stack, chat.sender) if e["event"] == "bot"]
        # (Rasa's tracker store keeps it scrubbed: the agent's name is masked at rest.)
        assert any("from the support team. I've found your parcel." in (t or "") for t in bot_texts)
        assert "private" not in " ".join(t or "" for t in bot_texts)

        resp = await webhook(http, desk, fixture("conversation_resolved"))
        assert (await resp.json()) == {"handled": True}
        events = rasa_events(stack, chat.sender)
        assert any(e["event"] == "resume" for e in events)
        assert "1 (poor) to 5 (great)" in (events[-2].get("text") or events[-1].get("text") or "")
        again = await webhook(http, desk, fixture("conversation_status_changed_resolved"))
        assert (await again.json()) == {"handled": False}  # already closed: nothing twice
    reply = await asyncio.to_thread(chat.text, "5")
    assert "Thank you for the rating" in reply
