"""The next request of a message that held several: started as if just said, or dropped."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.requests import ActionNextRequest
from actions.services.nlu import NluUnavailable, Parse

OPENING = "Cancel order #W1234567, I ordered by mistake. Where is #W7654321? My zip is 12345."
CLAUSES = [
    "Cancel order #W1234567, I ordered by mistake.",
    "Where is #W7654321?",
    "My zip is 12345.",
]
READ = {  # what the model makes of each clause on its own
    CLAUSES[0]: ("cancel_order", 0.93),
    CLAUSES[1]: ("order_status", 0.88),
    CLAUSES[2]: ("inform", 0.95),
    "how much is it": ("product_question", 0.41),
    "have a nice day you all": ("goodbye", 0.9),
    "cancel #104871 too": ("cancel_order", 0.9),
    "cancel AC-104233 please": ("cancel_order", 0.9),
}
ORDERS_NAMED = {"cancel #104871 too": "#104871", "cancel AC-104233 please": "AC-104233"}


def _entities(text: str) -> list[dict[str, Any]]:
    """The order number or ZIP code in ``text``, where Rasa's extractors would find it."""
    named = ORDERS_NAMED.get(text) or ("12345" if "12345" in text else None)
    if named is None:
        return []
    start = text.index(named)
    kind = "postcode" if named == "12345" else "order_id"
    return [{"entity": kind, "value": named, "start": start, "end": start + len(named)}]


class ReadingNlu:
    """The model's reading of a few clauses, as the Rasa server would give it."""

    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.asked: list[str] = []

    async def parse(self, text: str) -> Parse:
        self.asked.append(text)
        if not self.up:
            raise NluUnavailable("connection refused")
        intent, confidence = READ[text]
        data: dict[str, Any] = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": _entities(text),
        }
        return Parse(intent, confidence, data)


def _tracker(waiting: list[str], opened_with: str = "inform") -> Tracker:
    """After the cancellation the opening message started (it was read as ``opened_with``)."""
    opening = {
        "event": "user",
        "text": OPENING,
        "parse_data": {
            "intent": {"name": opened_with, "confidence": 0.8},
            "entities": [{"entity": "request", "value": c} for c in CLAUSES],
        },
        "input_channel": "rest",
    }
    return Tracker(
        "shopper-1",
        {"more_requests": waiting, "order_id": "#104233"},
        {"intent": {"name": "affirm"}, "entities": [], "text": "yes"},
        [
            opening,
            {"event": "action", "name": "cancel_order_form"},
            {"event": "user", "text": "yes", "parse_data": {}, "input_channel": "rest"},
            {"event": "action", "name": "action_cancel_order"},
        ],
        False,
        None,
        {},
        "action_cancel_order",
    )


async def _run(
    nlu: ReadingNlu, waiting: list[str], opened_with: str = "inform"
) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    tracker = _tracker(waiting, opened_with)
    events = await ActionNextRequest(lambda: nlu).run(dispatcher, tracker, {})
    return events, dispatcher.messages


async def test_the_next_request_is_started_as_if_the_shopper_had_just_said_it() -> None:
    events, said = await _run(ReadingNlu(), CLAUSES)

    asked = "Where is #W7654321? My zip is 12345."  # the request with the detail after it
    assert [m["response"] for m in said] == ["utter_next_request"]
    slot, listened, uttered = events
    assert slot == {"event": "slot", "timestamp": None, "name": "more_requests", "value": None}
    assert listened["event"] == "action" and listened["name"] == "action_listen"
    assert uttered["event"] == "user" and uttered["text"] == asked
    assert uttered["parse_data"]["intent"]["name"] == "order_status"
    assert uttered["input_channel"] == "rest"


async def test_a_detail_s_entities_come_with_the_request_at_their_place_in_its_text() -> None:
    nlu = ReadingNlu()
    events, _ = await _run(nlu, ["cancel #104871 too", "My zip is 12345."])

    uttered = events[-1]
    assert uttered["text"] == "cancel #104871 too My zip is 12345."
    assert uttered["parse_data"]["intent"]["name"] == "cancel_order"
    zip_code = next(e for e in uttered["parse_data"]["entities"] if e["entity"] == "postcode")
    assert uttered["text"][zip_code["start"] : zip_code["end"]] == "12345"


async def test_the_request_whose_flow_ran_and_a_clause_that_asks_nothing_are_dropped() -> None:
    nlu = ReadingNlu()
    events, said = await _run(nlu, [CLAUSES[0], CLAUSES[2]])

    assert said == []
    assert events == [{"event": "slot", "timestamp": None, "name": "more_requests", "value": None}]
    assert nlu.asked == [CLAUSES[0], CLAUSES[2]]


async def test_a_request_the_model_is_unsure_of_is_not_started() -> None:
    events, said = await _run(ReadingNlu(), ["how much is it"])

    assert said == [] and events[-1]["value"] is None


async def test_when_the_model_cannot_be_asked_the_shopper_hears_what_is_left() -> None:
    events, said = await _run(ReadingNlu(up=False), CLAUSES[1:])

    assert [m["response"] for m in said] == ["utter_next_request_repeat"]
    assert said[0]["request"] == "Where is #W7654321? My zip is 12345."
    assert events == [{"event": "slot", "timestamp": None, "name": "more_requests", "value": None}]


async def test_the_same_request_for_another_order_is_started_and_for_the_same_order_is_not() -> (
    None
):
    events, said = await _run(ReadingNlu(), ["cancel AC-104233 please", "cancel #104871 too"])

    assert [m["response"] for m in said] == ["utter_next_request"]
    assert events[-1]["text"] == "cancel #104871 too"
    assert [e["value"] for e in events[-1]["parse_data"]["entities"]] == ["#104871"]


def _as_received(waiting: list[str], intent: str) -> Tracker:
    """Right after the message holding ``waiting``: its entities have just filled slots."""
    message = {
        "intent": {"name": intent, "confidence": 0.7},
        "entities": [{"entity": "request", "value": c} for c in waiting]
        + [{"entity": "order_id", "value": "#104871"}],
        "text": OPENING,
    }
    return Tracker(
        "shopper-3",
        {"more_requests": waiting, "order_id": "#104871"},
        message,
        [
            {"event": "slot", "name": "order_id", "value": "#104233"},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": OPENING, "parse_data": message, "input_channel": "rest"},
            {"event": "slot", "name": "more_requests", "value": waiting},
            {"event": "slot", "name": "order_id", "value": "#104871"},
        ],
        False,
        None,
        {},
        "action_listen",
    )


async def test_the_first_request_starts_from_its_own_clause_not_the_whole_message() -> None:
    dispatcher = CollectingDispatcher()
    tracker = _as_received(["cancel AC-104233 please", "cancel #104871 too"], "cancel_order")

    events = await ActionNextRequest(ReadingNlu).run(dispatcher, tracker, {})

    assert dispatcher.messages == []  # nothing to announce: it is the shopper's first request
    undone, slot, _listen, uttered = events
    assert undone == {"event": "slot", "timestamp": None, "name": "order_id", "value": "#104233"}
    assert slot["value"] == ["cancel #104871 too"]
    assert uttered["text"] == "cancel AC-104233 please"
    assert [e["value"] for e in uttered["parse_data"]["entities"]] == ["AC-104233"]


async def test_with_no_request_among_the_clauses_the_message_is_answered_whole() -> None:
    dispatcher = CollectingDispatcher()
    tracker = _as_received(["My zip is 12345.", "have a nice day you all"], "out_of_scope")

    events = await ActionNextRequest(ReadingNlu).run(dispatcher, tracker, {})

    assert dispatcher.messages == []
    slot, listened, uttered = events
    assert slot["value"] is None and listened["name"] == "action_listen"
    assert uttered["text"] == OPENING
    assert uttered["parse_data"]["intent"]["name"] == "out_of_scope"
    assert [e["entity"] for e in uttered["parse_data"]["entities"]] == ["order_id"]


async def test_a_replayed_clause_is_not_judged_again_by_the_guardrails() -> None:
    """The whole message counted as one injection attempt; its clause must not be a second."""

    class FlaggingNlu(ReadingNlu):
        async def parse(self, text: str) -> Parse:
            parse = await super().parse(text)
            flagged = [*parse.data["entities"], {"entity": "guardrail", "value": "injection"}]
            return Parse(parse.intent, parse.confidence, {**parse.data, "entities": flagged})

    events, _ = await _run(FlaggingNlu(), [CLAUSES[1]])

    entities = events[-1]["parse_data"]["entities"]
    assert [e["entity"] for e in entities] == []
