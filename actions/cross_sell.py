"""Cross-sell: product suggestions with their reasons, a one-time offer, and clicks.

Who the suggestions are for: a shopper is known once they verified an order in this
conversation, or a shop's site vouched for them with a signed ``customer_token``; both set
the ``customer_id`` slot. Anyone else gets what is popular, and is told that an order number
gets them suggestions that go with what they bought. Popular items reveal nothing about
anyone, so nothing is asked first.

The offer after an order-status answer is made at most once per conversation, only when the
answer was good news, and never to a shopper who sounds upset, has a return or a parcel
problem open, or already said no to suggestions (``suggestion_state`` remembers it).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services.commerce import CommerceError, Suggestion, client_from_env
from actions.support import RunContext, apologise_backend_down, money, tenant_of, then_next_request

# suggestion_state values
OFFERED = "offered"
SHOWN = "shown"
DECLINED = "declined"
IGNORED = "ignored"

GOOD_NEWS_STATUSES = frozenset(
    {"paid", "packed", "shipped", "in_transit", "out_for_delivery", "delivered"}
)
"""An order-status answer in one of these states "ended well"; delays, losses, returns and
refunds did not, whatever the shopper says next."""
OPEN_PROBLEM_STATUSES = frozenset({"delayed", "lost", "return_requested", "exchange_requested"})
PROBLEM_INTENTS = frozenset(
    {"delivery_problem", "request_human", "cancel_order", "start_return", "refund_status"}
)
"""Intents that mean the conversation is about something going wrong."""
UPSET_WORDS = re.compile(
    r"(?i)\b(angry|annoyed|furious|ridiculous|terrible|awful|worst|unacceptable|useless|"
    r"disappointed|fed up|wtf|joke|scam|never again|sick of)\b|!!|\?\?\?"
)
RECENT_CLAIM_DAYS = 30


def _session_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The events of the current session, oldest first."""
    events: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        events.append(event)
    return list(reversed(events))


def _intent(event: dict[str, Any]) -> str | None:
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def sounds_upset(tracker: Tracker) -> bool:
    """Whether anything in this session says the shopper is upset or has a problem.

    Deliberately simple and explainable: a problem-type intent, an angry word or "!!" in
    anything they wrote, or the bot failing to understand them (its fallback answered).
    A message the NLU was unsure about inside a form (an e-mail address, say) is not one.
    """
    for event in _session_events(tracker):
        if event.get("event") == "action" and event.get("name") == "action_nlu_fallback":
            return True
        if event.get("event") != "user":
            continue
        if _intent(event) in PROBLEM_INTENTS or UPSET_WORDS.search(event.get("text") or ""):
            return True
    return False


def last_bot_action(tracker: Tracker) -> str | None:
    """The last action before the shopper's latest message, ignoring listening."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
            continue
        name = event.get("name")
        if seen_user and event.get("event") == "action" and name != "action_listen":
            return str(name)
    return None


async def has_open_problem(
    customer_id: str | None, order_status: str | None, tenant: str | None = None
) -> bool:
    """A return or parcel problem open on any of the shopper's recent orders, or a claim.

    When the backend cannot say, the answer is "yes": no offer is better than a tactless one.
    """
    if order_status in OPEN_PROBLEM_STATUSES:
        return True
    if not customer_id:
        return False
    client = client_from_env(tenant)
    try:
        orders = await client.recent_orders(customer_id, limit=10)
        claims = await client.recent_claims(customer_id, RECENT_CLAIM_DAYS)
    except CommerceError:
        return True
    return claims > 0 or any(order.status in OPEN_PROBLEM_STATUSES for order in orders)


def describe(items: Iterable[Suggestion], currency: str) -> str:
    """One line per suggestion: name, price, availability and the reason."""
    return "\n".join(
        f"{item.position}. {item.name}: {money(item.price, currency)}, "
        f"{'in stock' if item.in_stock else 'out of stock'}. {item.reason}."
        for item in items
    )


def buttons(items: Iterable[Suggestion], currency: str) -> list[dict[str, str]]:
    """A button per suggestion; picking one records the click."""
    return [
        {
            "title": f"{item.name} ({money(item.price, currency)})",
            "payload": f'/inform{{"suggested_product":"{item.product_id}"}}',
        }
        for item in items
    ]


class ActionRecommendProducts(Action):
    """Up to three suggestions with reasons, price and availability, as buttons."""

    def name(self) -> str:
        return "action_recommend_products"

    @then_next_request
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer_id = tracker.get_slot("customer_id")
        # "what goes with my tent": the suggestions go with the tent, not the latest purchase.
        mention = next(tracker.get_latest_entity_values("product"), None)
        # The merchant's own rules (exclusions, price band) even when merchants share a
        # backend; a conversation without a tenant (REST) gets the backend's own.
        context = RunContext.of(tracker)
        tenant, currency = context.tenant, context.policy.currency
        try:
            suggestions = await context.client.recommendations(
                customer_id, limit=3, about=str(mention) if mention else None, merchant=tenant
            )
        except CommerceError:
            apologise_backend_down(dispatcher, tenant)
            # Counted as shown: no offer later in a conversation the backend already failed.
            return [SlotSet("suggestion_state", SHOWN)]
        if not suggestions.items:
            dispatcher.utter_message(response="utter_no_suggestions")
            return [SlotSet("suggestion_state", SHOWN)]
        response = "utter_suggestions_personal" if customer_id else "utter_suggestions_popular"
        if mention:
            response = "utter_suggestions_about"
        dispatcher.utter_message(
            response=response,
            product=str(mention or ""),
            suggestions=describe(suggestions.items, currency),
            buttons=buttons(suggestions.items, currency),
        )
        return [
            SlotSet("recommendation_id", suggestions.recommendation_id),
            SlotSet(
                "suggested_products",
                [
                    {"product_id": i.product_id, "name": i.name, "price": i.price}
                    for i in suggestions.items
                ],
            ),
            SlotSet("suggestion_state", SHOWN),
        ]


class ActionRecordSuggestionClick(Action):
    """The shopper picked a suggestion: record the click and say where to find it."""

    def name(self) -> str:
        return "action_record_suggestion_click"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        picked = tracker.get_slot("suggested_product")
        shown: list[dict[str, Any]] = tracker.get_slot("suggested_products") or []
        recommendation_id = tracker.get_slot("recommendation_id")
        position = next(
            (i for i, item in enumerate(shown, start=1) if item.get("product_id") == picked),
            None,
        )
        reset: list[EventType] = [SlotSet("suggested_product", None)]
        if position is None or not recommendation_id:
            # Not one of the buttons we showed (typed by hand, or an old list): no click.
            dispatcher.utter_message(response="utter_suggestion_not_listed")
            return reset
        item = shown[position - 1]
        context = RunContext.of(tracker)
        # Measuring must never get in the shopper's way: a failed record changes nothing.
        with contextlib.suppress(CommerceError):
            await context.client.record_click(
                recommendation_id, str(picked), tracker.get_slot("customer_id"), position
            )
        dispatcher.utter_message(
            response="utter_suggestion_picked",
            name=item["name"],
            price=money(item["price"], context.policy.currency),
        )
        return reset


class ActionOfferSuggestion(Action):
    """Answers thanks; once, after good news about an order, offers a suggestion too."""

    def name(self) -> str:
        return "action_offer_suggestion"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        state = tracker.get_slot("suggestion_state")
        if await self.should_offer(tracker):
            dispatcher.utter_message(response="utter_offer_suggestion")
            return [SlotSet("suggestion_state", OFFERED)]
        dispatcher.utter_message(response="utter_you_are_welcome")
        # An offer left unanswered is not offered again, and a later "yes" is not taken
        # as its answer.
        return [SlotSet("suggestion_state", IGNORED)] if state == OFFERED else []

    @staticmethod
    async def should_offer(tracker: Tracker) -> bool:
        """Good news just given, first time, calm shopper, nothing open with us."""
        if tracker.get_slot("suggestion_state") is not None:
            return False
        if last_bot_action(tracker) != "action_order_status":
            return False
        status = tracker.get_slot("order_status")
        if status not in GOOD_NEWS_STATUSES or sounds_upset(tracker):
            return False
        return not await has_open_problem(
            tracker.get_slot("customer_id"), status, tenant_of(tracker)
        )


class ActionDeclineSuggestions(Action):
    """The shopper said no to suggestions: none again in this conversation."""

    def name(self) -> str:
        return "action_decline_suggestions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_suggestions_declined")
        return [SlotSet("suggestion_state", DECLINED)]
