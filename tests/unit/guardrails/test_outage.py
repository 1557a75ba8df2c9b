"""A custom action the action server cannot run turns into the domain's apology, once a turn."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from guardrails.launch import serves_conversations
from guardrails.outage import RESPONSE, install_action_outage_reply
from stack.isolated import free_port
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reply installed for this test only (the original is put back afterwards)."""
    monkeypatch.setattr(RemoteAction, "run", RemoteAction.run)
    install_action_outage_reply()
    yield


def nobody_listening() -> EndpointConfig:
    return EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")


def tracker_after(domain: Domain, *events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        "shopper",
        [ActionExecuted("action_listen"), UserUttered("where is my order"), *events],  # type: ignore[list-item]
        slots=domain.slots,
    )


async def run(name: str, domain: Domain, tracker: DialogueStateTracker) -> list[object]:
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    action = RemoteAction(name, nobody_listening())
    return list(await action.run(CollectingOutputChannel(), nlg, tracker, domain))


@pytest.mark.usefixtures("installed")
async def test_when_action_server_refuses_then_the_shopper_gets_the_apology_and_a_person(
    domain: Domain,
) -> None:
    events = await run("action_order_status", domain, tracker_after(domain))
    apology, listen = events
    assert isinstance(apology, BotUttered) and apology.metadata["utter_action"] == RESPONSE
    assert apology.text and "{" not in apology.text and "@" in apology.text
    assert [b["payload"] for b in apology.data["buttons"]] == ["/request_human"]
    assert listen == FollowupAction("action_listen")


@pytest.mark.usefixtures("installed")
async def test_when_the_apology_was_said_this_turn_then_it_is_not_said_again(
    domain: Domain,
) -> None:
    said = BotUttered("sorry", metadata={"utter_action": RESPONSE})
    events = await run("action_ask_order_id", domain, tracker_after(domain, said))
    assert events == [FollowupAction("action_listen")]


@pytest.mark.usefixtures("installed")
async def test_when_a_form_cannot_validate_then_the_unchecked_value_is_not_kept(
    domain: Domain,
) -> None:
    tracker = tracker_after(
        domain,
        SlotSet("requested_slot", "order_id"),
        ActionExecuted("order_status_form"),
        SlotSet("order_id", "AC-123456"),
    )
    events = await run("validate_order_status_form", domain, tracker)
    apology, cleared, rejected, listen = events
    assert isinstance(apology, BotUttered) and apology.metadata["utter_action"] == RESPONSE
    assert cleared == SlotSet("order_id", None) and listen == FollowupAction("action_listen")
    # no next question from the form this turn
    assert rejected == ActionExecutionRejected("validate_order_status_form")


@pytest.mark.usefixtures("installed")
async def test_when_session_start_fails_then_rasa_starts_the_session_silently(
    domain: Domain,
) -> None:
    tracker = DialogueStateTracker.from_events("shopper", [], slots=domain.slots)
    events = await run("action_session_start", domain, tracker)
    assert isinstance(events[0], SessionStarted)
    assert events[-1] == ActionExecuted("action_listen")
    assert not any(isinstance(e, BotUttered) for e in events)


@pytest.mark.usefixtures("installed")
async def test_apology_names_the_team_of_the_conversations_merchant(domain: Domain) -> None:
    tracker = tracker_after(domain, SlotSet("tenant", "no-such-merchant"))
    apology, _ = await run("action_order_status", domain, tracker)
    assert isinstance(apology, BotUttered) and "@" in (apology.text or "")


async def test_without_the_reply_rasa_says_nothing_but_raises(domain: Domain) -> None:
    with pytest.raises(Exception, match="Couldn't connect"):
        await run("action_order_status", domain, tracker_after(domain))


@pytest.mark.parametrize(
    ("argv", "rasa_server"),
    [
        (["rasa", "run", "--enable-api"], True),
        (["rasa", "run", "actions", "--actions", "actions"], False),
        (["rasa_sdk", "--actions", "actions"], False),
        (["commerce"], False),
    ],
)
def test_only_the_rasa_server_gets_the_reply(argv: list[str], rasa_server: bool) -> None:
    assert serves_conversations(argv[0], argv[1:]) is rasa_server
