"""How the desk reads a waiting shopper's new messages from the Rasa server's HTTP API.

A local stand-in answers as the Rasa server does over real HTTP: with the project's launcher it
serves ``/shopper_messages``; a plain ``rasa run`` has only Rasa's own routes (404 otherwise).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from desk import conversations as conversations_module
from desk.conversations import ConversationUnavailable, RasaConversations, ShopperMessage
from guardrails.pii import get_scrubber

TOKEN = "rasa-token"
EVENTS = [
    {"event": "user", "timestamp": 10.0, "text": "my parcel never came"},
    {"event": "bot", "timestamp": 11.0, "text": "A person will take over."},
    {"event": "user", "timestamp": 12.5, "text": "hello?"},
    # a proactive update Rasa's trigger_intent added: the shopper never wrote it
    {
        "event": "user",
        "timestamp": 12.7,
        "text": "EXTERNAL: EXTERNAL_proactive_update",
        "metadata": {"is_external": True},
    },
    {"event": "user", "timestamp": 13.0, "text": "   "},
    {"event": "user", "timestamp": 14.0, "text": "still there?"},
]
Routes = Callable[[web.Application, list[web.Request]], None]


def launched(app: web.Application, seen: list[web.Request], batch_route: bool = True) -> None:
    """The Rasa server as the launcher starts it: the routes, and a tracker route never used."""

    async def messages(request: web.Request) -> web.Response:
        seen.append(request)
        after = float(request.query["after"])
        found = [
            {"timestamp": e["timestamp"], "text": e["text"]}
            for e in EVENTS
            if e["event"] == "user" and e["timestamp"] > after and "metadata" not in e
        ]
        return web.json_response({"messages": found})

    async def tracker(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"message": "the whole conversation was read"}, status=500)

    async def batch(request: web.Request) -> web.Response:
        seen.append(request)
        asked = (await request.json())["conversations"]

        def words(text: str, sender: str) -> str:
            return text.strip() and f"{sender}: {text}"

        answer = {
            sender: [
                # each conversation's own words; a blank message stays blank
                {"timestamp": e["timestamp"], "text": words(e["text"], sender)}
                for e in EVENTS
                if e["event"] == "user" and e["timestamp"] > after and "metadata" not in e
            ]
            for sender, after in asked.items()
        }
        return web.json_response({"conversations": answer})

    app.router.add_get("/conversations/{sender}/shopper_messages", messages)
    if batch_route:
        app.router.add_post("/shopper_messages", batch)
    app.router.add_get("/conversations/{sender}/tracker", tracker)


def previous(app: web.Application, seen: list[web.Request]) -> None:
    """The launcher's Rasa server of the last release: the single route, not the batch one."""
    launched(app, seen, batch_route=False)


def one_broken(app: web.Application, seen: list[web.Request]) -> None:
    """One conversation cannot be read (say, a row an old key encrypted): its batch fails."""

    async def batch(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"message": "internal error"}, status=500)

    async def messages(request: web.Request) -> web.Response:
        seen.append(request)
        if request.match_info["sender"] == "shopper-broken":
            return web.json_response({"message": "internal error"}, status=500)
        after = float(request.query["after"])
        found = [e for e in EVENTS[-1:] if e["timestamp"] > after]
        return web.json_response({"messages": found})

    app.router.add_post("/shopper_messages", batch)
    app.router.add_get("/conversations/{sender}/shopper_messages", messages)


def forgetful(app: web.Application, seen: list[web.Request]) -> None:
    """An answer without the conversations asked (a proxy's, another version's)."""

    async def batch(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"conversations": {}})

    app.router.add_post("/shopper_messages", batch)


def not_json(app: web.Application, seen: list[web.Request]) -> None:
    """A 200 that is no JSON (a login page of a proxy in front of Rasa)."""

    async def batch(request: web.Request) -> web.Response:
        seen.append(request)
        return web.Response(text="<html>sign in</html>", content_type="text/html")

    app.router.add_post("/shopper_messages", batch)


def plain(app: web.Application, seen: list[web.Request]) -> None:
    """A Rasa server started without the launcher: only Rasa's own tracker route."""

    async def tracker(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"sender_id": request.match_info["sender"], "events": EVENTS})

    app.router.add_get("/conversations/{sender}/tracker", tracker)


def failing(app: web.Application, seen: list[web.Request]) -> None:
    """The route is there but the store cannot be read (Rasa's 503)."""

    async def messages(request: web.Request) -> web.Response:
        seen.append(request)
        return web.json_response({"message": "try again"}, status=503)

    app.router.add_get("/conversations/{sender}/shopper_messages", messages)
    app.router.add_post("/shopper_messages", messages)


@pytest.fixture
async def rasa(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[RasaConversations, list[web.Request]]]:
    """The desk's client of a stand-in Rasa server, and the requests the server answered."""
    seen: list[web.Request] = []
    app = web.Application()
    routes: Routes = request.param
    routes(app, seen)
    server = TestServer(app)
    await server.start_server()
    desk = RasaConversations(str(server.make_url("")).rstrip("/"), TOKEN)
    try:
        yield desk, seen
    finally:
        await desk.close()
        await server.close()


@pytest.mark.parametrize("rasa", [launched], indirect=True)
async def test_the_desk_asks_only_for_the_messages_after_the_last_synced_one(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, seen = rasa

    found = await desk.shopper_messages("shopper-7", 12.5)

    assert found == [ShopperMessage(14.0, "still there?")]
    assert [r.path for r in seen] == ["/conversations/shopper-7/shopper_messages"]
    assert seen[0].query["token"] == TOKEN and float(seen[0].query["after"]) == 12.5


@pytest.mark.parametrize("rasa", [plain], indirect=True)
async def test_a_rasa_server_without_the_route_still_gives_the_new_messages(
    rasa: tuple[RasaConversations, list[web.Request]], caplog: pytest.LogCaptureFixture
) -> None:
    desk, seen = rasa

    found = await desk.shopper_messages("shopper-7", 10.0)

    assert found == [ShopperMessage(12.5, "hello?"), ShopperMessage(14.0, "still there?")]
    assert seen[0].query["include_events"] == "ALL"
    (warning,) = (r.getMessage() for r in caplog.records if "no /shopper_messages" in r.msg)
    assert warning.startswith("the rasa server has no /shopper_messages route")
    assert get_scrubber().scrub(warning) == warning  # the desk's log reads it as written


@pytest.mark.parametrize("rasa", [failing], indirect=True)
async def test_a_store_that_cannot_be_read_is_an_error_not_an_empty_transcript(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, seen = rasa

    with pytest.raises(ConversationUnavailable) as refused:
        await desk.shopper_messages("shopper-7", 0.0)

    assert refused.value.status == 503
    assert len(seen) == 1  # no fallback to the whole conversation


@pytest.mark.parametrize("rasa", [launched], indirect=True)
async def test_a_sync_round_asks_once_for_every_open_conversation(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, seen = rasa

    found = await desk.shopper_messages_of({"shopper-7": 12.5, "shopper-8": 0.0})

    assert found == {
        "shopper-7": [ShopperMessage(14.0, "shopper-7: still there?")],
        "shopper-8": [
            ShopperMessage(10.0, "shopper-8: my parcel never came"),
            ShopperMessage(12.5, "shopper-8: hello?"),
            ShopperMessage(14.0, "shopper-8: still there?"),
        ],
    }
    assert [(r.method, r.path) for r in seen] == [("POST", "/shopper_messages")]
    assert seen[0].query["token"] == TOKEN


@pytest.mark.parametrize("rasa", [launched], indirect=True)
async def test_a_long_queue_is_asked_for_in_batches(
    rasa: tuple[RasaConversations, list[web.Request]], monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, seen = rasa
    monkeypatch.setattr(conversations_module, "BATCH", 2)

    found = await desk.shopper_messages_of({f"shopper-{n}": 13.0 for n in range(5)})

    assert found == {
        f"shopper-{n}": [ShopperMessage(14.0, f"shopper-{n}: still there?")] for n in range(5)
    }
    assert [r.path for r in seen] == ["/shopper_messages"] * 3
    assert [list((await r.json())["conversations"]) for r in seen] == [
        ["shopper-0", "shopper-1"],
        ["shopper-2", "shopper-3"],
        ["shopper-4"],
    ]


@pytest.mark.parametrize(
    ("rasa", "read_from"),
    [
        # started without the launcher: the whole conversation, Rasa's tracker route
        (plain, "tracker"),
        # the launcher of the last release (a desk upgraded first): the single route
        (previous, "shopper_messages"),
    ],
    indirect=["rasa"],
)
async def test_a_rasa_server_without_the_batch_route_is_asked_conversation_by_conversation(
    rasa: tuple[RasaConversations, list[web.Request]], read_from: str
) -> None:
    desk, seen = rasa

    found = await desk.shopper_messages_of({"shopper-7": 12.5, "shopper-8": 13.0})

    assert found == {
        "shopper-7": [ShopperMessage(14.0, "still there?")],
        "shopper-8": [ShopperMessage(14.0, "still there?")],
    }
    # the stand-in counts the requests it answered: the others got a 404
    assert [r.path for r in seen] == [
        f"/conversations/shopper-7/{read_from}",
        f"/conversations/shopper-8/{read_from}",
    ]


@pytest.mark.parametrize("rasa", [failing], indirect=True)
async def test_a_sync_round_the_store_cannot_answer_is_an_error_not_empty_transcripts(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, seen = rasa

    with pytest.raises(ConversationUnavailable) as refused:
        await desk.shopper_messages_of({"shopper-7": 0.0, "shopper-8": 0.0})

    assert refused.value.status == 503
    assert [r.path for r in seen] == ["/shopper_messages"]  # no fallback


@pytest.mark.parametrize("rasa", [one_broken], indirect=True)
async def test_a_conversation_that_cannot_be_read_holds_up_no_other(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, seen = rasa

    afters = {"shopper-7": 0.0, "shopper-broken": 0.0, "shopper-8": 0.0}

    found = await desk.shopper_messages_of(afters)

    assert found == {
        "shopper-7": [ShopperMessage(14.0, "still there?")],
        "shopper-8": [ShopperMessage(14.0, "still there?")],
    }  # the broken one is left out, and asked again next round
    assert [r.path for r in seen] == [
        "/shopper_messages",
        "/conversations/shopper-7/shopper_messages",
        "/conversations/shopper-broken/shopper_messages",
        "/conversations/shopper-8/shopper_messages",
    ]


@pytest.mark.parametrize("rasa", [forgetful], indirect=True)
async def test_an_answer_without_the_conversations_asked_is_an_error_not_empty_transcripts(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, _ = rasa

    with pytest.raises(ConversationUnavailable, match="left out conversations"):
        await desk.shopper_messages_of({"shopper-7": 0.0})


@pytest.mark.parametrize("rasa", [not_json], indirect=True)
async def test_an_answer_that_is_not_json_is_an_error_that_does_not_quote_the_token(
    rasa: tuple[RasaConversations, list[web.Request]],
) -> None:
    desk, _ = rasa

    with pytest.raises(ConversationUnavailable) as refused:
        await desk.shopper_messages_of({"shopper-7": 0.0})

    assert "ContentTypeError: Attempt to decode JSON" in str(refused.value)
    assert TOKEN not in str(refused.value)  # the desk logs it as a warning
