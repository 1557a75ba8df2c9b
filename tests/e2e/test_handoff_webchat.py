"""Handoff in web chat: the agent's reply is pushed to the shopper's socket.io session."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import socketio

from stack.processes import Stack
from tests.e2e.desk import Agent
from tests.e2e.sockets import leave_async


async def test_an_agents_reply_is_pushed_to_the_web_chat_and_the_bot_answers_after_hand_back(
    stack: Stack,
) -> None:
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    session_id = f"webchat-{uuid.uuid4().hex[:12]}"
    client = socketio.AsyncClient()

    @client.on("bot_uttered")
    async def _bot(message: dict[str, Any]) -> None:
        await received.put(message)

    seen: list[str] = []

    async def next_text(contains: str) -> str:
        while True:
            try:
                message = await asyncio.wait_for(received.get(), timeout=30)
            except asyncio.TimeoutError:
                raise AssertionError(f"no {contains!r} in {seen}") from None
            seen.append(str(message.get("text")))
            if contains in (message.get("text") or ""):
                return str(message["text"])

    async def say(text: str) -> None:
        await client.emit("user_uttered", {"message": text, "session_id": session_id})

    # Long-polling: the websocket transport of this python-socketio needs a newer aiohttp.
    await client.connect(f"http://127.0.0.1:{stack.env['RASA_PORT']}", transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session_id})
        await asyncio.sleep(0.5)
        await say("can I talk to a human please")
        await next_text("in the queue")

        ana = await asyncio.to_thread(Agent.login, stack, "ana", stack.env["DESK_PASSWORD_ANA"])
        queue = await asyncio.to_thread(ana.queue)
        ticket = next(t for t in queue if t["channel"] == "socketio")
        path = f"/api/agent/tickets/{ticket['ticket_id']}"
        assert (await asyncio.to_thread(ana.post, f"{path}/claim")).status_code == 200
        reply = await asyncio.to_thread(ana.post, f"{path}/reply", {"text": "Ana here, hi!"})
        assert reply.status_code == 201
        assert await next_text("Ana here") == "Ana here, hi!"

        assert (await asyncio.to_thread(ana.post, f"{path}/handback")).status_code == 200
        await next_text("back with the assistant")
        await say("where is my order?")
        assert "order number" in (await next_text("order number")).lower()
    finally:
        await leave_async(client)
