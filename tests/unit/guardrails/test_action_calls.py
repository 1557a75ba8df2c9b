"""The Rasa server's calls to the action server, their JSON written by ujson."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    EntitiesAdded,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from guardrails.action_calls import install_event_fragments, install_ujson_request_bodies
from stack.settings import ROOT

RasaFormat = Callable[[RemoteAction, DialogueStateTracker, Domain], dict[str, Any]]


@pytest.fixture
def installed() -> Iterator[RasaFormat]:
    """Both installed; Rasa's own body builder to compare with."""
    original, rasa_format = EndpointConfig.request, RemoteAction._action_call_format
    install_ujson_request_bodies()
    install_event_fragments()
    yield rasa_format
    EndpointConfig.request, RemoteAction._action_call_format = original, rasa_format


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


@functools.cache
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


async def call(url: str, tracker: DialogueStateTracker, rasa_format: RasaFormat) -> dict[str, Any]:
    """What Rasa's own body for a custom action's call would hold; the call is then made."""
    action = RemoteAction("action_order_status", EndpointConfig(url))
    expected: dict[str, Any] = json.loads(json.dumps(rasa_format(action, tracker, domain())))
    await action.run(None, None, tracker, domain())
    return expected


async def test_the_action_server_reads_the_call_rasa_would_have_sent(
    installed: RasaFormat, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, received = action_server
    expected = await call(url, a_conversation(domain()), installed)

    [(content_type, body)] = received
    assert content_type == "application/json"
    assert json.loads(body) == expected


async def next_call_after(
    change: Callable[[DialogueStateTracker], None],
    rasa_format: RasaFormat,
    action_server: tuple[str, list[tuple[str, bytes]]],
) -> dict[str, Any]:
    """The body of a call made after ``change``, once a first call wrote the events' JSON.

    It must be the body Rasa would have sent then.
    """
    url, received = action_server
    tracker = a_conversation(domain())
    await call(url, tracker, rasa_format)
    change(tracker)
    expected = await call(url, tracker, rasa_format)
    sent: dict[str, Any] = json.loads(received[-1][1])
    assert sent == expected
    return sent


async def test_an_entity_added_after_a_call_reaches_the_next_call(
    installed: RasaFormat, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    """Rasa's HTTP API adds it to the waiting message: its JSON is written again."""
    added = {"entity": "email", "value": "jane@example.com"}

    def add_entity(tracker: DialogueStateTracker) -> None:
        tracker.update(EntitiesAdded([added]))

    sent = await next_call_after(add_entity, installed, action_server)

    [message] = [e for e in sent["tracker"]["events"] if e["event"] == "user"]
    assert added in message["parse_data"]["entities"]


async def test_metadata_replaced_after_a_call_reaches_the_next_call(
    installed: RasaFormat, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    """A tracker with a model id stamps it on an event by replacing the event's metadata."""

    def stamp(tracker: DialogueStateTracker) -> None:
        for event in tracker.events:
            event.metadata = {**event.metadata, "model_id": "a-newer-model"}

    sent = await next_call_after(stamp, installed, action_server)

    assert {e["metadata"]["model_id"] for e in sent["tracker"]["events"]} == {"a-newer-model"}


async def test_an_event_ujson_cannot_write_is_sent_as_rasa_sends_it(
    installed: RasaFormat, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    """ujson refuses NaN; the standard library writes it, and Rasa's body goes as before."""
    url, received = action_server
    tracker = a_conversation(domain())
    tracker.update(SlotSet("order_total", float("nan")))

    expected = await call(url, tracker, installed)

    sent = json.loads(received[-1][1])
    assert math.isnan(sent["tracker"]["events"][-1]["value"])
    sent["tracker"]["events"][-1]["value"] = expected["tracker"]["events"][-1]["value"] = None
    assert sent == expected


async def test_a_body_json_cannot_write_fails_as_it_did(
    installed: RasaFormat, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, received = action_server
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        await EndpointConfig(url).request(json={"tags": {"gift", "fragile"}})
    assert received == []


async def test_a_request_without_a_json_body_is_sent_as_rasa_sends_it(
    installed: RasaFormat, action_server: tuple[str, list[tuple[str, bytes]]]
) -> None:
    url, received = action_server
    answer: Any = await EndpointConfig(url).request(data=b"{}")
    assert answer == {"events": [], "responses": []}
    assert received == [("application/json", b"{}")]


def test_installing_twice_wraps_rasas_request_once(installed: RasaFormat) -> None:
    once, format_once = EndpointConfig.request, RemoteAction._action_call_format
    install_ujson_request_bodies()
    install_event_fragments()
    assert EndpointConfig.request is once
    assert RemoteAction._action_call_format is format_once
