"""What the Rasa server says when the action server cannot run an action.

Rasa 3.6 calls every custom action over HTTP (``RemoteAction.run``). When the action server
refuses the connection, times out or answers 5xx, ``RemoteAction`` raises, and the message
processor only logs the exception, drops the action's events and predicts on: the shopper gets
no answer at all. :func:`install_action_outage_reply` wraps ``RemoteAction.run`` once, in the
Rasa server's process (``guardrails.launch`` calls it before Rasa starts), so that a failed
action turns into the domain's ``utter_service_unavailable`` (an apology, the team's contact and
a "Talk to a person" button) and the turn ends there. The response is the designers' to edit.

* At most one apology per shopper message: a turn can call several custom actions (a form's
  validation, then the question for the next slot); only the first failure speaks.
* ``action_session_start`` falls back to Rasa's default session start, silently: the shopper's
  message is then answered (or apologised for) as usual.
* A form's ``validate_<form>`` that cannot run accepts nothing: the values just extracted are
  cleared, so an unchecked order number never stands in a slot, and the form asks no further
  question this turn (it is told the shopper "rejected" it, Rasa's way for a validation action
  to stop a form's turn); it stays active and goes on with the shopper's next message.
* A rejection (HTTP 400 from a form validation) is Rasa's normal control flow and is not
  touched.

The team's contact comes from the merchant policy, as the actions' own apologies do
(:func:`actions.support.support_contact`), so the text needs no action server.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any

from nlu_components.patching import installs

if TYPE_CHECKING:
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.nlg import NaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

RESPONSE = "utter_service_unavailable"


def apologised_this_turn(tracker: DialogueStateTracker) -> bool:
    """True if the apology was already said since the shopper's latest message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.metadata.get("utter_action") == RESPONSE:
            return True
    return False


def unchecked_values_cleared(tracker: DialogueStateTracker) -> list[Event]:
    """Clear the slot values a form asked its validation action to check.

    Rasa hands ``validate_<form>`` a tracker that ends with the form's ``ActionExecuted`` and
    then one ``SlotSet`` per candidate value (``FormAction.validate_slots``).
    """
    from rasa.shared.core.constants import REQUESTED_SLOT
    from rasa.shared.core.events import ActionExecuted, SlotSet

    cleared: list[Event] = []
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            break
        if isinstance(event, SlotSet) and event.key != REQUESTED_SLOT:
            cleared.append(SlotSet(event.key, None))
    return cleared[::-1]


def contact_for(tracker: DialogueStateTracker) -> dict[str, Any]:
    """The team's e-mail and hours for the conversation's merchant (the ``tenant`` slot)."""
    from merchants.policy import support_contact

    tenant = tracker.get_slot("tenant")
    try:
        return support_contact(tenant if isinstance(tenant, str) and tenant else None)
    except Exception:  # an unknown tenant still gets the default merchant's team
        logger.exception("no support contact for tenant %r; using the default merchant's", tenant)
        return support_contact(None)


async def outage_reply(
    action_name: str,
    output_channel: OutputChannel,
    nlg: NaturalLanguageGenerator,
    tracker: DialogueStateTracker,
    domain: Domain,
) -> list[Event]:
    """The events that stand in for ``action_name``: the apology once, then wait for the shopper."""
    from rasa.core.actions.action import ActionSessionStart, create_bot_utterance
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
    from rasa.shared.core.events import ActionExecutionRejected, FollowupAction

    if action_name == ACTION_SESSION_START_NAME:
        return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
    listen: list[Event] = [FollowupAction(ACTION_LISTEN_NAME)]
    if action_name.startswith("validate_"):
        # the form then asks no next question this turn (FormAction._user_rejected_manually)
        rejected = ActionExecutionRejected(action_name)
        listen = [*unchecked_values_cleared(tracker), rejected, *listen]
    if apologised_this_turn(tracker):
        return listen
    message = await nlg.generate(RESPONSE, tracker, output_channel.name(), **contact_for(tracker))
    if message is None:
        logger.error("the domain has no response %r: the shopper gets no apology", RESPONSE)
        return listen
    message["utter_action"] = RESPONSE
    return [create_bot_utterance(message), *listen]


@installs("rasa.core.actions.action:RemoteAction.run")
def install_action_outage_reply() -> None:
    """Make every custom action that cannot run answer with the apology (idempotent)."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    original = RemoteAction.run

    @functools.wraps(original)
    async def run(
        self: RemoteAction,
        output_channel: OutputChannel,
        nlg: NaturalLanguageGenerator,
        tracker: DialogueStateTracker,
        domain: Domain,
    ) -> list[Event]:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except (Exception, asyncio.TimeoutError) as exc:  # any failure: one apology
            logger.error(
                "action %r could not run (%s: %s); the shopper gets %s",
                self.name(),
                type(exc).__name__,
                exc,
                RESPONSE,
            )
            return await outage_reply(self.name(), output_channel, nlg, tracker, domain)

    RemoteAction.run = run
