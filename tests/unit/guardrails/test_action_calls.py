"""The Rasa server's calls to the action server, their JSON written by ujson."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from guardrails.action_calls import install_ujson_request_bodies
from stack.settings import ROOT


@pytest.fixture
def installed() -> Iterator[None]:
    original = EndpointConfig.request
    install_ujson_request_bodies()
    yield
    EndpointConfig.request = original


@pytest.fixture
async def action_server() -> AsyncIterator[tuple[str, list[tuple[str, bytes]]]]:
    """A local HTTP server that keeps what each call sent and answers with no events."""
    received: list[tuple[str, bytes]] = []

    async def webhook(request: web.Request) -> web.Response:
        received.append((request.headers["Content-Type"], await request.read()))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/webhook", received
    await runner.cleanup()


def a_conversation(domain: Domain) -> DialogueStateTracker:
    """A shopper's turns with what a tracker's JSON holds: accents, emoji, floats, slashes."""
    parse = {
        "intent": {"name": "order_status", "confidence": 0.9731},
        "entities": [{"entity": "order_id", "value": "AC-104233", "start": 18, "end": 27}],
        "intent_ranking": [
            {"name": "order_status", "confidence": 0.9731},
            {"name": "track_parcel", "confidence": 1e-07},
        ],
        "text": "où est ma commande AC-104233 ? 📦 https://shop.example/o/1",
    }
    events = [
        ActionExecuted("action_listen"),
        UserUttered(parse["text"], parse["intent"], parse["entities"], parse),
        SlotSet("order_id", "AC-104233"),
        BotUttered("Votre colis est en route — arrivée mardi.", metadata={"utter_action": "x"}),
        ActionExecuted("action_listen"),
    ]
    return DialogueStateTracker.from_events("shopper-7", events, domain.slots)


async def test_the_action_server_reads_the_call_rasa_would_have_sent(
    installed: None, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, received = action_server
    domain = Domain.load(str(ROOT / "domain.yml"))
    action = RemoteAction("action_order_status", EndpointConfig(url))
    tracker = a_conversation(domain)
    expected = json.loads(json.dumps(action._action_call_format(tracker, domain)))

    await action.run(None, None, tracker, domain)

    [(content_type, body)] = received
    assert content_type == "application/json"
    assert json.loads(body) == expected


async def test_a_body_json_cannot_write_fails_as_it_did(
    installed: None, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, received = action_server
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        await EndpointConfig(url).request(json={"tags": {"gift", "fragile"}})
    assert received == []


async def test_a_request_without_a_json_body_is_sent_as_rasa_sends_it(
    installed: None, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, received = action_server
    answer: Any = await EndpointConfig(url).request(data=b"{}")
    assert answer == {"events": [], "responses": []}
    assert received == [("application/json", b"{}")]


def test_installing_twice_wraps_rasas_request_once(installed: None) -> None:
    once = EndpointConfig.request
    install_ujson_request_bodies()
    assert EndpointConfig.request is once
