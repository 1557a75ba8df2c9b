"""Several requests in one message: each gets its flow, one after the other.

"Cancel #W123, and where is #W456?" holds two requests. The ``request`` entities
(``nlu_components/requests.py``) keep every clause in ``more_requests``, and ``RequestsPolicy``
has this action answer the message first: it has each clause read on its own by the Rasa
server, takes back the slots the whole message's entities filled (either order number could
have landed in ``order_id``), and starts the first request as if the shopper had said only
that clause: an ``action_listen`` and the clause as a user message, which Rasa answers like any
other (its slots are extracted, its rules run). When that flow ends (its last action is marked
``then_next_request``), this action runs again and starts the next request whose flow has not
run since the message. The verification already done still holds.

A clause that asks for no flow (a ZIP code, an e-mail) comes with the request before it; a
request the model is unsure of is not started. A message none of whose clauses is a request is
answered whole, as it always was; when the Rasa server cannot be asked after a flow, the
shopper is told what is left, in their own words, so nothing is lost silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services.nlu import Nlu, NluUnavailable, Parse, nlu_from_env
from actions.support import NEXT_REQUEST

REQUEST_ENTITY = "request"  # nlu_components.requests.REQUEST_ENTITY, across the process line
# The flow each request intent starts (data/rules), by the form or action that runs it; an
# intent outside these is no request. Once a flow has run, a clause asking for it again is
# not started a second time.
DONE_BY: dict[str, frozenset[str]] = {
    "order_status_form": frozenset({"order_status", "order_details", "refund_status"}),
    "action_answer_product": frozenset({"product_question"}),
    "delivery_problem_form": frozenset({"delivery_problem"}),
    "cancel_order_form": frozenset({"cancel_order"}),
    "change_address_form": frozenset({"change_address"}),
    "profile_address_form": frozenset({"change_profile_address"}),
    "return_form": frozenset({"start_return"}),
    "action_refund_policy": frozenset({"refund_policy"}),
    "action_recommend_products": frozenset({"recommend_products"}),
    "change_items_form": frozenset({"change_items"}),
    "change_payment_form": frozenset({"change_payment_method"}),
}
REQUEST_INTENTS = frozenset().union(*DONE_BY.values())
MIN_CONFIDENCE = 0.6  # the FallbackClassifier's threshold (config.yml): below, the model guesses
# Judged on the whole message already (a handoff signal hands off at once, an injection
# attempt counts once): a clause replayed must not count a second time.
JUDGED_ONCE = frozenset({"guardrail", "handoff_signal"})


def done_since_asked(tracker: Tracker) -> set[str]:
    """The requests already answered since the message that held several.

    Read from the forms and actions that ran, not from any message's intent: "where is
    AC-104233? the email is ..." may be classified ``inform`` and is answered by the status form.
    """
    done: set[str] = set()
    for event in reversed(tracker.events):
        if event.get("event") == "action":
            done |= DONE_BY.get(str(event.get("name")), frozenset())
        elif event.get("event") == "user" and _holds_requests(event.get("parse_data") or {}):
            break
    return done


def _holds_requests(parse: dict[str, Any]) -> bool:
    return any(e.get("entity") == REQUEST_ENTITY for e in parse.get("entities") or [])


def undo_extraction(tracker: Tracker) -> list[EventType]:
    """Slot events that take back what the whole message's entities set.

    "Cancel AC-104233 and where is #W2058756?" names two orders; Rasa fills ``order_id`` from
    either. Each request's own clause must decide its order, so the slots go back to what they
    were before the message, and each clause fills them again when it is replayed.
    """
    events = list(tracker.events)
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    extracted = {
        str(e.get("name"))
        for e in events[last_user + 1 :]
        if e.get("event") == "slot" and e.get("name") not in ("more_requests", "requested_slot")
    }
    undone: list[EventType] = []
    for name in sorted(extracted):
        before = next(
            (e.get("value") for e in reversed(events[:last_user])
             if e.get("event") == "slot" and e.get("name") == name),
            None,
        )  # fmt: skip
        undone.append(SlotSet(name, before))
    return undone


def is_new_request(parse: Parse, done: set[str], order_in_focus: str | None = None) -> bool:
    """Whether a clause asks for a flow, surely enough, and not for one already done.

    The same request about another order is new: "cancel AC-104233 and AC-104871 too" is two
    cancellations, the second named in its own clause.
    """
    if not is_request(parse):
        return False
    return parse.intent not in done or bool(named_orders(parse) - {_digits(order_in_focus)})


def named_orders(parse: Parse) -> set[str]:
    """The order numbers a clause names, as digits (``AC-104233``, ``#104233`` are one)."""
    return {
        _digits(e.get("value"))
        for e in parse.data.get("entities") or []
        if e.get("entity") == "order_id" and _digits(e.get("value"))
    }


def _digits(order_ref: object) -> str:
    return re.sub(r"\D", "", str(order_ref or ""))


class ActionNextRequest(Action):
    """Starts the flow of the next request still waiting in ``more_requests``."""

    def __init__(self, nlu: Callable[[], Nlu] = nlu_from_env) -> None:
        self._nlu = nlu

    def name(self) -> str:
        return NEXT_REQUEST

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        # Right after the message (RequestsPolicy), its requests start here; after a flow, the
        # next one does.
        first = tracker.latest_action_name == "action_listen"
        waiting = [str(c) for c in tracker.get_slot("more_requests") or [] if c]
        done = set() if first else done_since_asked(tracker)
        try:
            nlu = self._nlu()
            parses = [await nlu.parse(clause) for clause in waiting]
        except NluUnavailable:
            if first:
                return _as_one_request(tracker)
            left = " ".join(waiting)
            dispatcher.utter_message(response="utter_next_request_repeat", request=left)
            return [SlotSet("more_requests", None)]
        owners, in_focus = owners_of(parses), None if first else tracker.get_slot("order_id")
        for index, parse in enumerate(parses):
            if owners[index] != index or not is_new_request(parse, done, in_focus):
                continue
            group = [j for j, owner in enumerate(owners) if owner == index]
            text, parse_data = joined(waiting, parses, group, index)
            rest = [c for j, c in enumerate(waiting) if j > index and j not in group]
            if not first:
                dispatcher.utter_message(response="utter_next_request")
            return [
                *(undo_extraction(tracker) if first else []),
                SlotSet("more_requests", rest or None),
                ActionExecuted("action_listen"),
                UserUttered(text, parse_data, input_channel=tracker.get_latest_input_channel()),
            ]
        return _as_one_request(tracker) if first else [SlotSet("more_requests", None)]


def is_request(parse: Parse) -> bool:
    """Whether a clause asks for a flow at all, surely enough."""
    return parse.intent in REQUEST_INTENTS and parse.confidence >= MIN_CONFIDENCE


def owners_of(parses: list[Parse]) -> list[int]:
    """For each clause, the request clause it belongs to (a request owns itself).

    A clause that asks for nothing is a detail of the request before it ("where is AC-104233?
    my e-mail is ..."), or of the first request when none comes before; with no request at
    all, each clause stays its own.
    """
    requests = [i for i, parse in enumerate(parses) if is_request(parse)]
    if not requests:
        return list(range(len(parses)))
    return [max((r for r in requests if r <= i), default=requests[0]) for i in range(len(parses))]


def joined(
    clauses: list[str], parses: list[Parse], group: list[int], owner: int
) -> tuple[str, dict[str, Any]]:
    """A request (``owner``) and its details as one message: the request's intent, every
    clause's entities at their place in the joined text."""
    text, entities = "", []
    for i in group:
        offset = len(text) + (1 if text else 0)
        text = f"{text} {clauses[i]}" if text else clauses[i]
        for entity in parses[i].data.get("entities") or []:
            if entity.get("entity") in JUDGED_ONCE:
                continue
            moved = dict(entity)
            if isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
                moved.update(start=entity["start"] + offset, end=entity["end"] + offset)
            entities.append(moved)
    return text, {**parses[owner].data, "text": text, "entities": entities}


def _as_one_request(tracker: Tracker) -> list[EventType]:
    """The message again, as it came but for its clauses: no clause asked for a flow of its own,
    so it is answered whole, by the rules that answer any message."""
    message = dict(tracker.latest_message)
    entities = [e for e in message.get("entities") or [] if e.get("entity") != REQUEST_ENTITY]
    return [
        SlotSet("more_requests", None),
        ActionExecuted("action_listen"),
        UserUttered(
            str(message.get("text") or ""),
            {**message, "entities": entities},
            input_channel=tracker.get_latest_input_channel(),
        ),
    ]
