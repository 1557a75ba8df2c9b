"""A shopper writing in another language: say so in English, in their language too, offer a person.

``nlu_components/languages.py`` sets the intent ``other_language`` and the ``language`` entity
(ISO 639-1 code) only when a message is confidently not English. The answer is in English,
followed by the merchant's sentence in the shopper's language when the policy file has one
(``other_languages``), then an offer of a person with Yes and No buttons: the rules in
``data/rules/languages.yml`` send a yes to the handoff flow and a no on in English. The
language stays in the ``shopper_language`` slot, which the agent sees in the handoff summary.

A form in progress is left: the shopper did not answer its question, and after the offer they
either talk to a person or start again in English.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.support import RunContext

LANGUAGE_ENTITY = "language"
LANGUAGE_SLOT = "shopper_language"


def shopper_language(tracker: Tracker) -> str | None:
    """The language of the latest message, else the one the shopper wrote in before."""
    latest = next(tracker.get_latest_entity_values(LANGUAGE_ENTITY), None)
    value = latest or tracker.get_slot(LANGUAGE_SLOT)
    return value if isinstance(value, str) and value else None


class ActionOtherLanguage(Action):
    """English only, said in English and (where the merchant wrote it) the shopper's language."""

    def name(self) -> str:
        return "action_other_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = shopper_language(tracker)
        dispatcher.utter_message(response="utter_english_only")
        sentence = RunContext.of(tracker).policy.other_languages.get(language or "")
        if sentence:
            dispatcher.utter_message(text=sentence)
        dispatcher.utter_message(response="utter_offer_person_other_language")
        events: list[EventType] = [SlotSet(LANGUAGE_SLOT, language)]
        if tracker.active_loop.get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events
