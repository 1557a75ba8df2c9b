"""The desk's transcript sync: every open ticket's new messages, one read of Rasa a round.

The desk runs as it does in production (its database, its sync task); the assistant's side is a
stand-in that answers as :class:`desk.conversations.RasaConversations` would, failing for the
first rounds as a Rasa server that is restarting does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from desk.accounts import AgentView
from desk.app import create_app
from desk.conversations import ConversationUnavailable, ShopperMessage
from desk.keys import SERVICE_KEY
from guardrails.pii import get_scrubber
from tests.integration.desk.conftest import QuietConversations, desk_config, open_ticket

WAITING = {
    "shopper-1": [ShopperMessage(100.0, "hello? anyone there?")],
    "shopper-2": [ShopperMessage(90.0, "order AC-100001"), ShopperMessage(95.0, "still here")],
}


class RestartingRasa(QuietConversations):
    """Answers the sync round after ``down`` rounds that could not reach the Rasa server."""

    def __init__(self, down: int) -> None:
        super().__init__()
        self.down = down
        self.rounds: list[dict[str, float]] = []

    async def shopper_messages_of(
        self, afters: dict[str, float]
    ) -> dict[str, list[ShopperMessage]]:
        self.rounds.append(dict(afters))
        if len(self.rounds) <= self.down:
            raise ConversationUnavailable("rasa answered 503: try again", 503)
        return {
            sender: [m for m in WAITING.get(sender, []) if m.timestamp > after]
            for sender, after in afters.items()
        }


@pytest_asyncio.fixture
async def desk_and_rasa(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[TestClient, RestartingRasa]]:
    rasa = RestartingRasa(down=2)
    config = desk_config(tmp_path, monkeypatch).copy(update={"sync_interval_s": 0.05})
    app = create_app(config, conversations=rasa)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client, rasa


async def transcript(client: TestClient, ticket_id: int) -> list[str]:
    """The ticket's transcript as the desk stores it (not through an agent opening it)."""
    service = client.app[SERVICE_KEY]
    body = await service.transcript(AgentView(0, "desk", "desk", "demo", "agent"), ticket_id)
    return [m["text"] for m in body["transcript"]]


async def test_each_round_asks_once_for_every_waiting_shopper_and_fills_their_tickets(
    desk_and_rasa: tuple[TestClient, RestartingRasa], caplog: pytest.LogCaptureFixture
) -> None:
    client, rasa = desk_and_rasa
    caplog.set_level(logging.WARNING, logger="desk.handoffs")
    first = await open_ticket(client, [("shopper", "I want a person")], sender_id="shopper-1")
    second = await open_ticket(client, [("shopper", "a human please")], sender_id="shopper-2")

    for _ in range(200):
        if len(await transcript(client, second)) == 3:
            break
        await asyncio.sleep(0.05)

    assert await transcript(client, first) == ["I want a person", "hello? anyone there?"]
    assert await transcript(client, second) == ["a human please", "order AC-100001", "still here"]
    # a round after the copy: each ticket asks from its own last message (rounds every 0.05 s;
    # waited for, not slept on, so a loaded machine only makes it later)
    asked_from = {"shopper-1": 100.0, "shopper-2": 95.0}
    for _ in range(200):
        if rasa.rounds[-1] == asked_from:
            break
        await asyncio.sleep(0.05)
    assert rasa.rounds[-1] == asked_from
    paused = [r.getMessage() for r in caplog.records if "transcript sync" in r.getMessage()]
    # as the desk's log shows them: the same words once the log scrubber has read them
    assert paused[:2] == [
        "the transcript sync is paused (rasa answered 503: try again); trying again every round",
        "the transcript sync is running again",
    ]
    assert len(paused) == 2  # once when it stopped, once when it came back: not every round
    assert [get_scrubber().scrub(line) for line in paused] == paused
