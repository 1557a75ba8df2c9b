"""What every change flow (cancel, return, ...) shares: backing out and forgetting."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

BACKED_OUT = "backed_out"
# Slots a change flow fills; all are forgotten when the change is done or abandoned.
CHANGE_SLOTS = (
    "order_id",
    "order_verified",
    "change_blocked",
    "cancel_reason",
    "cancel_confirmed",
    "return_items",
    "return_reason",
    "return_resolution",
    "return_confirmed",
    "problem_kind",
    "problem_items",
    "problem_remedy",
    "problem_confirmed",
)
GIVES_A_REASON = ("need", "want", "mistake", "wrong", "fit", "small", "big", "broken", "damaged")
BACK_OUT_WORDS = (
    "forget it",
    "never mind",
    "nevermind",
    "nvm",
    "don't cancel",
    "dont cancel",
    "keep it",
    "leave it",
    "changed my mind about",
)
BACK_OUT_REPLIES = frozenset({"no", "nope", "nah", "no thanks", "no thank you", "stop"})


def is_backing_out(text: str) -> bool:
    """True when the answer to "why cancel?" is really "don't cancel"."""
    lowered = " ".join(text.lower().replace("!", " ").replace(".", " ").split())
    if any(w in lowered for w in GIVES_A_REASON):
        return False  # "no, I don't need it" is a reason
    return lowered in BACK_OUT_REPLIES or any(w in lowered for w in BACK_OUT_WORDS)


class ActionForgetChange(Action):
    """The shopper backed out of a change: say nothing changed and forget its details."""

    def name(self) -> str:
        return "action_forget_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_nothing_changed")
        return [SlotSet(name, None) for name in CHANGE_SLOTS]
