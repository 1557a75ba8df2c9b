"""The branch a walk over a conversation takes for each event class."""

from __future__ import annotations

from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Restarted,
    SessionStarted,
    UserUttered,
)

from nlu_components.event_kinds import EventKinds

RESET, ACTION, OTHER = range(3)


class FormAction(ActionExecuted):
    """A subclass Rasa does not ship, as a plug-in may define one."""


def kinds() -> EventKinds:
    return EventKinds([(Restarted | SessionStarted, RESET), (ActionExecuted, ACTION)], other=OTHER)


def test_each_class_takes_the_first_branch_it_belongs_to_and_any_other_class_the_rest() -> None:
    found = kinds()
    assert [found[c] for c in (Restarted, SessionStarted, ActionExecuted, BotUttered)] == [
        RESET,
        RESET,
        ACTION,
        OTHER,
    ]


def test_a_subclass_takes_its_base_classes_branch() -> None:
    assert kinds()[FormAction] == ACTION


def test_the_order_of_the_branches_decides_for_a_class_in_two_of_them() -> None:
    first = EventKinds([(UserUttered, RESET), (UserUttered | ActiveLoop, ACTION)], other=OTHER)
    assert (first[UserUttered], first[ActiveLoop]) == (RESET, ACTION)
