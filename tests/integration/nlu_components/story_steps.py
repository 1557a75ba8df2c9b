"""Every step of every story, on its path and off it: where a dialogue policy is asked."""

from __future__ import annotations

import functools

from rasa.core.training import load_data
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.conftest import ROOT

MODEL = ROOT / "models" / "aftercare.tar.gz"


def off_path(events: list[Event], intents: list[str], shift: int) -> list[Event]:
    """The conversation with each user turn's intent replaced by another one."""
    moved: list[Event] = []
    for n, event in enumerate(events):
        if isinstance(event, UserUttered):
            intent = intents[(n + shift) % len(intents)]
            event = UserUttered(event.text, intent={"name": intent, "confidence": 1.0})
        moved.append(event)
    return moved


@functools.cache
def steps(domain: Domain) -> list[tuple[DialogueStateTracker, str]]:
    """Every story cut before each of its actions: the tracker and the story's action.

    The training and test stories, and each taken off its path (every user turn given another
    intent), where neither rules nor memorised stories know the way.
    """
    stories = [
        list(story.events)
        for folder in (ROOT / "tests" / "stories", ROOT / "data" / "stories")
        for story in load_data(str(folder), domain, augmentation_factor=0)
    ]
    intents = sorted(domain.intents)
    stories += [off_path(events, intents, shift) for shift, events in enumerate(stories)]
    found = []
    for events in stories:
        for i, event in enumerate(events):
            if i and isinstance(event, ActionExecuted) and event.action_name:
                tracker = DialogueStateTracker.from_events("s", events[:i], slots=domain.slots)
                found.append((tracker, event.action_name))
    return found
