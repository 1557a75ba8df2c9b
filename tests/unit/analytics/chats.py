"""Event streams as Rasa 3.6 publishes them, built from Rasa's own event classes.

:class:`Chat` writes one conversation the way the Rasa server logs it (session start, the
shopper's message with its parse data, the policy's actions, form events, the bot's messages
with their ``utter_action``); :func:`a_day_at_the_store` is a day of conversations across two
tenants with every outcome the figures count. Shopper texts hold personal data on purpose.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from analytics.facts import StreamMessage

DAY = dt.date(2026, 11, 20)
EMAIL = "maribel.okafor@example.net"
PHONE = "+1 937-555-0148"
NAME = "Maribel Okafor"
ADDRESS = "4417 Larkspur Terrace, Apt 9, Dayton, OH 45402"
PLANTED = (EMAIL, "maribel.okafor", PHONE, "555-0148", NAME, "Okafor", "Larkspur")


def at(day: dt.date, hour: int, minute: int = 0) -> float:
    """A UTC timestamp on ``day``."""
    return dt.datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=dt.timezone.utc
    ).timestamp()


class Chat:
    """One sender's events, timestamps advancing as in a real conversation."""

    def __init__(self, sender: str, start: float) -> None:
        self.sender = sender
        self.now = start
        self.events: list[Event] = []

    def _at(self, after: float) -> float:
        self.now = round(self.now + after, 6)
        return self.now

    def session(self, tenant: str | None = "demo") -> Chat:
        self.events += [ActionExecuted("action_session_start", timestamp=self._at(0.01))]
        self.events += [SessionStarted(timestamp=self._at(0.001))]
        if tenant:
            self.events += [SlotSet("tenant", tenant, timestamp=self._at(0.001))]
        self.events += [ActionExecuted("action_listen", timestamp=self._at(0.001))]
        return self

    def user(
        self,
        text: str,
        intent: str,
        confidence: float = 0.95,
        entities: list[dict[str, Any]] | None = None,
        after: float = 8.0,
        ranking: list[tuple[str, float]] | None = None,
        replay: bool = False,
    ) -> Chat:
        timestamp = self._at(after)
        # as a channel's uuid4, but the same for the same chat: a replay is the same stream
        message_id = (
            None if replay else uuid.uuid5(uuid.NAMESPACE_URL, f"{self.sender}:{timestamp}").hex
        )
        ranking = ranking or [(intent, confidence)]
        parse_data = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            "message_id": message_id,
            "metadata": {},
        }
        self.events += [
            UserUttered(
                text,
                parse_data["intent"],
                entities or [],
                parse_data=parse_data,
                timestamp=timestamp,
                input_channel="rest",
                message_id=message_id,
            )
        ]
        return self

    def fallback(self, text: str, best: str = "order_status", confidence: float = 0.41) -> Chat:
        """A message the FallbackClassifier did not trust (its ranking keeps the best guess)."""
        return self.user(
            text,
            "nlu_fallback",
            0.6,
            ranking=[("nlu_fallback", 0.6), (best, confidence), ("greet", 0.2)],
        )

    def action(self, name: str, after: float = 0.02) -> Chat:
        self.events += [
            ActionExecuted(name, policy="RulePolicy", confidence=1.0, timestamp=self._at(after))
        ]
        return self

    def rejected(self, name: str) -> Chat:
        """The action (a form) refused to run: the policies choose another."""
        self.events += [ActionExecutionRejected(name, timestamp=self._at(0.01))]
        return self

    def bot(self, response: str, after: float = 0.3, **metadata: Any) -> Chat:
        self.events += [
            BotUttered(
                f"(the text of {response})",
                {"buttons": None},
                {"utter_action": response, **metadata},
                timestamp=self._at(after),
            )
        ]
        return self

    def agent(self, text: str, after: float = 30.0) -> Chat:
        self.events += [BotUttered(text, {}, {"agent": "Ana Silva"}, timestamp=self._at(after))]
        return self

    def slot(self, name: str, value: Any) -> Chat:
        self.events += [SlotSet(name, value, timestamp=self._at(0.001))]
        return self

    def form(self, name: str | None) -> Chat:
        self.events += [ActiveLoop(name, timestamp=self._at(0.001))]
        return self

    def ask(self, form: str, slot: str, response: str) -> Chat:
        """The form asks its next question and the bot listens."""
        return self.action(form).slot("requested_slot", slot).bot(response).listen()

    def listen(self) -> Chat:
        return self.action("action_listen", after=0.001)

    def pause(self) -> Chat:
        self.events += [ConversationPaused(timestamp=self._at(0.001))]
        return self

    def resume(self, after: float = 120.0) -> Chat:
        self.events += [ConversationResumed(timestamp=self._at(after))]
        return self

    def bodies(self) -> list[dict[str, Any]]:
        """The broker's bodies: ``{"sender_id": ..., **event.as_dict()}``."""
        return [{"sender_id": self.sender, **event.as_dict()} for event in self.events]

    def messages(self) -> list[StreamMessage]:
        return [StreamMessage(body) for body in self.bodies()]


def order_status(chat: Chat, order: str = "AC-104233", proof: str = EMAIL) -> Chat:
    """Where is my order, answered (the form's three steps and the answer)."""
    return (
        chat.user(f"hi, {NAME} here, where is my order?", "order_status")
        .action("order_status_form")
        .form("order_status_form")
        .slot("requested_slot", "order_id")
        .bot("utter_ask_order_id")
        .listen()
        .user(
            order,
            "inform",
            0.92,
            [{"entity": "order_id", "value": order, "start": 0, "end": len(order)}],
        )
        .slot("order_id", order)
        .ask("order_status_form", "order_verified", "utter_ask_order_verified")
        .user(
            proof,
            "inform",
            0.88,
            [{"entity": "email", "value": proof, "start": 0, "end": len(proof)}],
        )
        .action("order_status_form")
        .slot("order_verified", True)
        .slot("requested_slot", None)
        .form(None)
        .action("action_order_status")
        .bot("utter_order_status_in_motion")
        .listen()
    )


def hand_off(chat: Chat, action: str = "action_request_human", in_form: bool = False) -> Chat:
    """The desk opens a ticket and the bot goes quiet."""
    chat.action(action).bot("utter_handoff_started", queue_position=1, wait_minutes=4)
    chat.slot("handoff_ticket", "17").slot("handoff_reason", None)
    if in_form:
        chat.form(None).slot("requested_slot", None)
    return chat.pause()


def rated(chat: Chat, score: str) -> Chat:
    """The agent resolves; the desk resumes the bot with the rating form; the shopper rates."""
    return (
        chat.resume()
        .action("satisfaction_form", after=0.05)
        .form("satisfaction_form")
        .slot("requested_slot", "satisfaction_rating")
        .action("action_ask_satisfaction_rating")
        .bot("utter_ask_satisfaction_rating")
        .listen()
        .user(f"{score}, {NAME} was great", "inform", 0.7)
        .action("satisfaction_form")
        .slot("satisfaction_rating", f"{score}, {NAME} was great")
        .slot("satisfaction_rating", score)
        .slot("requested_slot", None)
        .form(None)
        .action("action_store_satisfaction")
        .bot("utter_rating_thanks")
        .slot("satisfaction_rating", None)
        .slot("handoff_ticket", None)
        .listen()
    )


def goodbye_asked(chat: Chat) -> Chat:
    """The shopper says bye; the Rasa server follows the goodbye with the assistant's question."""
    chat.user("ok bye", "goodbye", 0.98).action("utter_goodbye").bot("utter_goodbye")
    chat.action("conversation_rating_form", after=0.01).form("conversation_rating_form")
    chat.slot("requested_slot", "conversation_rating")
    return chat.bot("utter_ask_conversation_rating").listen()


def bot_rated(chat: Chat, answer: str, kept: str, intent: str = "inform") -> Chat:
    """The shopper answers the assistant's question; its validator keeps ``kept``."""
    said = "thanks" if kept.isdigit() else "skipped"
    return (
        chat.user(answer, intent, 0.7)
        .action("conversation_rating_form")
        .slot("conversation_rating", answer)
        .slot("conversation_rating", kept)
        .slot("requested_slot", None)
        .form(None)
        .action("action_store_conversation_rating")
        .bot(f"utter_conversation_rating_{said}")
        .listen()
    )


def a_day_at_the_store(day: dt.date = DAY) -> list[Chat]:
    """Six conversations of one day: contained, handed off, not understood, dropped, other tenant.

    demo: c1 contained (orders, then cross-sell shown and clicked); c2 returns form, asks for
    a person at the reason question, agent resolves, rating 4; c3 two misses, nlu_fallbacks
    handoff, desk answers, ticket resolved with rating 2; c4 greets and leaves (not resolved);
    c5 a safety word: handoff at once. outdoor (over SMS): c6 cancellation abandoned at
    cancel_reason.
    """
    c1 = order_status(Chat(f"web-{EMAIL}", at(day, 9)).session("demo"))
    c1.user(f"thanks! call me on {PHONE}", "thank").action("action_offer_suggestion")
    c1.bot("utter_offer_suggestion").listen()
    c1.user("sure", "affirm").action("action_recommend_products")
    c1.bot("utter_suggestions_personal").slot("suggestion_state", "shown").listen()
    c1.user("/pick_suggestion", "inform", 1.0).action("action_record_suggestion_click")
    c1.bot("utter_suggestion_picked").listen()

    c2 = Chat("c2-returns", at(day, 10)).session("demo")
    c2.user(f"I want to return the boots, I'm {NAME}", "start_return").action("return_form")
    c2.form("return_form").slot("requested_slot", "order_id").bot("utter_ask_order_id").listen()
    c2.user("AC-104871", "inform", 0.9).slot("order_id", "AC-104871")
    c2.ask("return_form", "order_verified", "utter_ask_order_verified")
    c2.user(EMAIL, "inform", 0.9).slot("order_verified", True)
    c2.ask("return_form", "return_items", "utter_ask_return_items")
    c2.user("the boots", "inform", 0.8).slot("return_items", ["line-1"])
    c2.ask("return_form", "return_reason", "utter_ask_return_reason")
    c2.user("can I talk to a person", "request_human", 0.97)
    hand_off(c2, in_form=True).user(f"my number is {PHONE}", "inform", 0.5).agent("Sure!")
    rated(c2, "4")

    c3 = Chat("c3-misses", at(day, 11)).session("demo")
    c3.fallback(f"blorp {ADDRESS}").action("action_nlu_fallback").bot("utter_please_rephrase")
    c3.listen().fallback("zzz qqq").action("action_nlu_fallback").bot("utter_fallback_to_person")
    c3.slot("handoff_reason", "nlu_fallbacks")
    hand_off(c3, action="action_hand_off")
    rated(c3, "2")

    c4 = Chat("c4-hello", at(day, 12)).session("demo")
    c4.user("hello", "greet", 0.99).action("utter_greet").bot("utter_greet").listen()

    c5 = Chat("c5-fire", at(day, 13)).session("demo")
    c5.user(
        "the charger caught fire!",
        "delivery_problem",
        0.8,
        [{"entity": "handoff_signal", "value": "safety", "start": 0, "end": 5}],
    )
    hand_off(c5, action="action_hand_off")

    c6 = Chat("sms:outdoor:Zm9vYmFyc2VhbGVk", at(day, 14)).session("outdoor")
    c6.user("cancel my order please", "cancel_order", 0.93).action("cancel_order_form")
    c6.form("cancel_order_form").slot("requested_slot", "order_id").bot("utter_ask_order_id")
    c6.listen().user("#W2378156", "inform", 0.9).slot("order_id", "#W2378156")
    c6.ask("cancel_order_form", "order_verified", "utter_ask_order_verified")
    c6.user("85061", "inform", 0.9).slot("order_verified", True)
    c6.ask("cancel_order_form", "cancel_reason", "utter_ask_cancel_reason")
    return [c1, c2, c3, c4, c5, c6]


def stream(chats: list[Chat]) -> list[StreamMessage]:
    """The chats' events interleaved by time, as one broker would carry them."""
    every = [
        (m.body["timestamp"], n, m)
        for n, m in enumerate(message for chat in chats for message in chat.messages())
    ]
    return [m for _, _, m in sorted(every, key=lambda item: (item[0], item[1]))]
