"""The assistant's own rating question, started by the Rasa server right after its goodbye.

A person's work is rated by the desk's form after a resolved handoff. The assistant's own work
gets the same 1-5 question (``conversation_rating_form``, validated and thanked for in
``actions/rating.py``) on the goodbye of a session in which it served the shopper itself: they
asked for something beyond small talk, and no person took part. It is asked at most once a
session, and only where the merchant's policy wants it (``support.rating_at_goodbye``).

:class:`RatingPolicy` decides this in the Rasa server, after ``utter_goodbye``: a custom action
would cost a call to the action server carrying the whole conversation on every goodbye, which
grows with the conversation (docs/performance.md). Designers keep their plain
``goodbye → utter_goodbye`` rules; this policy adds the question after them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from merchants.policy import load_policy
from nlu_components.event_kinds import EventKinds
from nlu_components.overrides import RuleOverridePolicy

GOODBYE = "utter_goodbye"
RATING_FORM = "conversation_rating_form"
# Intents that are no request of their own: a session of only these was small talk.
SMALL_TALK = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "out_of_scope",
        "inform",
        "other_language",
        "nlu_fallback",
        "EXTERNAL_proactive_update",
    }
)
# A person took part in the session: the desk asks its own question instead.
PERSON_ACTIONS = frozenset({"action_hand_off", "action_request_human", "satisfaction_form"})
# Actions after which the session is no longer the assistant's alone to be rated for.
NOT_ALONE = PERSON_ACTIONS | {RATING_FORM}


# What served_alone does with an event, by its class.
_START, _ACTION, _USER, _PAUSE, _OTHER = range(5)
_KINDS = EventKinds(
    [
        (SessionStarted, _START),
        (ActionExecuted, _ACTION),
        (UserUttered, _USER),
        (ConversationPaused | ConversationResumed, _PAUSE),
    ],
    other=_OTHER,
)


def served_alone(events: Sequence[Event]) -> bool:
    """Whether the session holds a request beyond small talk, no person and no rating yet.

    Asked at every goodbye, over the whole session: one pass from the newest event back to
    the session's start, with no copy of the events (a tracker's deque is walked).
    """
    served = False
    for event in reversed(events):
        kind = _KINDS[type(event)]
        if kind == _OTHER:
            continue
        if kind == _START:
            break
        if kind == _ACTION:
            if cast(ActionExecuted, event).action_name in NOT_ALONE:
                return False
        elif kind == _USER:
            intent = cast(UserUttered, event).intent_name
            served = served or (intent is not None and intent not in SMALL_TALK)
        else:
            return False
    return served


def rating_due(tracker: DialogueStateTracker) -> bool:
    """Whether the goodbye just said closes a session the assistant should ask a rating for."""
    tenant = tracker.get_slot("tenant")
    policy = load_policy(tenant=tenant if isinstance(tenant, str) and tenant else None)
    return policy.support.rating_at_goodbye and served_alone(tracker.events)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class RatingPolicy(RuleOverridePolicy):
    """Starts the rating question right after the goodbye of a session the assistant served."""

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        result = self._default_predictions(domain)
        if (
            tracker.latest_action_name == GOODBYE
            and not tracker.active_loop_name
            and not tracker.is_paused()
            and RATING_FORM in domain.action_names_or_texts
            and rating_due(tracker)
        ):
            result[domain.index_for_action(RATING_FORM)] = 1.0
        return self._prediction(result)
