"""Never the same question a third time, for every question of every form in domain.yml.

The validators and ask actions run as the action server runs them, on trackers shaped like
the ones Rasa sends (the form's own run and its slots at the end), with no backend: the
misses are answers the form could not take (the bot answered something else first), and
the two order-number misses are e-mails typed where the number was asked.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions import support
from actions.reask import LEAVE_INSTEAD, PERSON_BUTTON, STATE_SLOT, AskAction, ReaskingForm
from actions.services.commerce import BackendUnavailable, VerificationFailed
from tests.conftest import ROOT, read_yaml

DOMAIN: dict[str, Any] = read_yaml(ROOT / "domain.yml")
FORM_SLOTS = [
    (form, slot) for form, spec in DOMAIN["forms"].items() for slot in spec["required_slots"]
]
# What the slots before the question hold, so the form gets as far as the question.
FILLED = {
    "shopper_identity": None,  # the demo merchant does not ask it first
    "order_id": "AC-100001",
    "order_verified": True,
    "return_resolution": "exchange",  # so the exchange's questions are asked too
}
# Forms that identify the shopper before anything else: the shopper is known already.
KNOWN_SHOPPER = {"profile_address_form": {"shopper_identity": True, "customer_id": "C-10001"}}
OPTIONS = [{"title": "Option A", "payload": "/inform"}, {"title": "Option B", "payload": "/x"}]
# Where two misses lead when not to the same question once more: the order number missed twice
# is replaced by finding the shopper; a skipped rating leaves its form.
AFTER_TWO_MISSES: dict[str, str | None] = {
    "order_id": "shopper_identity",
    **{slot: None for slot in LEAVE_INSTEAD},
}


def _subclasses(base: type) -> list[type]:
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    found: list[type] = []
    pending = list(base.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        found.append(cls)
    return found


def _validator(form: str) -> FormValidationAction:
    for cls in _subclasses(FormValidationAction):
        action = cls.__new__(cls)
        if cls.name(action) == f"validate_{form}":
            instance: FormValidationAction = cls()
            return instance
    raise AssertionError(f"no validate_{form}")


def _ask_action(slot: str) -> Action:
    for cls in _subclasses(AskAction):
        if getattr(cls, "slot", None) == slot:
            instance: Action = cls()
            return instance
    raise AssertionError(f"action_ask_{slot} is not an AskAction: it could ask a third time")


class Conversation:
    """A form asking ``slot``, turn by turn, with the events Rasa would record."""

    def __init__(self, form: str, slot: str, slots: dict[str, Any] | None = None) -> None:
        self.form = form
        required = DOMAIN["forms"][form]["required_slots"]
        before = required[: required.index(slot)]
        self.slots: dict[str, Any] = {name: FILLED.get(name, "x") for name in before}
        if slot != "shopper_identity":
            self.slots.update(KNOWN_SHOPPER.get(form, {}))
        if slot == "shopper_identity":
            # Asked after the order number was missed twice (the demo merchant's way there).
            self.slots.update(order_id=None, shopper_identity=None)
            self.slots[STATE_SLOT] = {"loop": 1, "turn": 0, "counts": {"order_id": 2}}
        self.slots.update(slots or {})
        self.slots["requested_slot"] = slot
        self.events: list[dict[str, Any]] = [
            {"event": "active_loop", "name": form},
            {"event": "slot", "name": "requested_slot", "value": slot},
            {"event": "bot", "text": "the question", "data": {"buttons": OPTIONS}},
        ]

    def tracker(self, latest: dict[str, Any]) -> Tracker:
        return Tracker(
            sender_id="t",
            slots=dict(self.slots),
            latest_message=latest,
            events=list(self.events),
            paused=False,
            followup_action=None,
            active_loop={"name": self.form},
            latest_action_name=self.form,
        )

    def _apply(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]
            self.events.append(event)

    async def digress(self, text: str = "are you a bot?") -> tuple[list[dict[str, Any]], str]:
        """A message the form cannot take: the bot answers it, then the form runs again."""
        latest = {"text": text, "intent": {"name": "bot_challenge"}, "entities": []}
        self.events += [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": latest},
            {"event": "action_execution_rejected", "name": self.form},
            {"event": "action", "name": "utter_iamabot"},
            {"event": "bot", "text": "I'm a virtual assistant."},
            {"event": "slot", "name": "requested_slot", "value": self.slots["requested_slot"]},
            {"event": "action", "name": self.form},
        ]
        return await self._validate(latest)

    async def answer(self, slot: str, text: str) -> tuple[list[dict[str, Any]], str]:
        """An answer the form takes for ``slot`` and validates."""
        latest = {"text": text, "intent": {"name": "inform"}, "entities": []}
        self.events += [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": latest},
            {"event": "slot", "name": "requested_slot", "value": self.slots["requested_slot"]},
            {"event": "action", "name": self.form},
            {"event": "slot", "name": slot, "value": text},
        ]
        self.slots[slot] = text
        return await self._validate(latest)

    async def _validate(self, latest: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
        dispatcher = CollectingDispatcher()
        events = await _validator(self.form).run(dispatcher, self.tracker(latest), DOMAIN)
        self._apply(events)
        return dispatcher.messages, self.slots.get("requested_slot")

    async def ask(self, slot: str) -> list[dict[str, Any]]:
        dispatcher = CollectingDispatcher()
        tracker = self.tracker({"text": "", "intent": {}, "entities": []})
        self._apply(await _ask_action(slot).run(dispatcher, tracker, DOMAIN))
        return dispatcher.messages


class NoBackend:
    """Every backend call fails: the questions here must not depend on one."""

    def __getattr__(self, name: str) -> Any:
        async def unavailable(*args: Any, **kwargs: Any) -> None:
            raise BackendUnavailable(name)

        return unavailable


@pytest.fixture(autouse=True)
def no_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in pkgutil.iter_modules(actions.__path__):
        loaded = importlib.import_module(f"actions.{module.name}")
        if hasattr(loaded, "client_from_env"):
            monkeypatch.setattr(loaded, "client_from_env", lambda tenant=None: NoBackend())


def _text(response: str) -> str:
    return str(DOMAIN["responses"][response][0]["text"])


def test_every_form_validator_counts_misses() -> None:
    for form in DOMAIN["forms"]:
        assert isinstance(_validator(form), ReaskingForm), form


@pytest.mark.parametrize(("form", "slot"), FORM_SLOTS)
async def test_after_two_misses_the_third_reply_is_not_the_same_question(
    form: str, slot: str
) -> None:
    chat = Conversation(form, slot)
    _, asked = await chat.digress()
    assert asked == slot  # the first miss: the question again, as usual
    messages, asked = await chat.digress("thanks")
    assert asked == AFTER_TWO_MISSES.get(slot, slot)
    if asked is None:  # the form was left: nothing is asked a third time
        return
    third = await chat.ask(asked)
    responses = [m["response"] for m in third]
    assert responses[0].startswith("utter_reask_"), responses
    assert PERSON_BUTTON in third[0]["buttons"]
    assert not any(r.startswith(f"utter_ask_{slot}") for r in responses)
    if f"utter_ask_{slot}" in DOMAIN["responses"]:
        assert _text(responses[0]) != _text(f"utter_ask_{slot}")
    if asked == slot and responses[0] == "utter_reask_choice":
        assert third[0]["buttons"][:2] == OPTIONS  # the options again, compactly


@pytest.mark.parametrize(
    ("form", "slot"), [(f, s) for f, s in FORM_SLOTS if s not in AFTER_TWO_MISSES]
)
async def test_after_a_third_miss_the_form_is_left_and_a_person_offered(
    form: str, slot: str
) -> None:
    chat = Conversation(form, slot)
    for text in ("are you a bot?", "thanks"):
        _, asked = await chat.digress(text)
    assert asked == slot
    await chat.ask(asked)
    messages, asked = await chat.digress("hmm")
    assert asked is None
    if slot != "satisfaction_rating":  # the rating form's own ending speaks
        assert [m["response"] for m in messages] == ["utter_reask_leave"]
        assert messages[0]["buttons"] == [PERSON_BUTTON]


ORDER_FORMS = sorted(form for form, slot in FORM_SLOTS if slot == "order_id")


@pytest.mark.parametrize("form", ORDER_FORMS)
async def test_an_email_typed_twice_for_the_order_number_leads_to_finding_the_shopper(
    form: str,
) -> None:
    chat = Conversation(form, "order_id")
    messages, asked = await chat.answer("order_id", "jane@example.com")
    assert [m["response"] for m in messages] == ["utter_order_id_invalid"]
    assert asked == "order_id"
    messages, asked = await chat.answer("order_id", "jane@example.com")
    assert messages == []  # the change of course is said instead of "that's no order number"
    assert asked == "shopper_identity"
    third = await chat.ask(asked)
    assert [m["response"] for m in third] == ["utter_reask_order_id"]
    assert third[0]["buttons"] == [PERSON_BUTTON]
    assert "confirmation e-mail" in _text("utter_reask_order_id")
    assert "account page" in _text("utter_reask_order_id")


async def test_for_a_merchant_who_checks_each_order_an_email_alone_finds_nobody() -> None:
    """Whoever knows a shopper's e-mail must not see their orders: the ZIP is asked too."""
    chat = Conversation("order_status_form", "shopper_identity")  # after two missed numbers
    messages, asked = await chat.answer("shopper_identity", "jane@example.com")
    assert [m["response"] for m in messages] == ["utter_shopper_identity_both"]
    assert asked == "shopper_identity"
    assert "ZIP" in _text("utter_shopper_identity_both")
    assert "ZIP" in _text("utter_reask_order_id")


async def test_a_merchant_who_checks_each_order_asks_for_the_email_and_the_zip() -> None:
    chat = Conversation("order_status_form", "shopper_identity")
    asked = await chat.ask("shopper_identity")
    assert [m["response"] for m in asked] == ["utter_identity_email_and_zip"]
    assert "ZIP" in _text("utter_identity_email_and_zip")


class FailingChecks:
    """A backend for which no order number and e-mail match (unknown or wrong: the same)."""

    async def verify_order(self, order_ref: str, answer: str) -> None:
        raise VerificationFailed(order_ref)


@pytest.fixture
def failing_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support, "client_from_env", lambda tenant=None: FailingChecks())


@pytest.mark.usefixtures("failing_checks")
async def test_after_two_failed_checks_the_bot_says_where_to_find_them_and_offers_a_person() -> (
    None
):
    chat = Conversation("order_status_form", "order_verified", {"failed_verifications": 0})
    messages, asked = await chat.answer("order_verified", "nope@example.com")
    assert [m["response"] for m in messages] == ["utter_verification_failed"]
    assert asked == "order_id"
    _, asked = await chat.answer("order_id", "AC-100001")
    assert asked == "order_verified"
    messages, asked = await chat.answer("order_verified", "other@example.com")
    assert messages == [] and asked == "order_id"
    assert chat.slots["failed_verifications"] == 2
    third = await chat.ask(asked)
    assert [m["response"] for m in third] == ["utter_reask_order_verified", "utter_ask_order_id"]
    assert third[0]["buttons"] == [PERSON_BUTTON]


@pytest.mark.usefixtures("failing_checks")
async def test_the_lockout_after_five_failed_checks_comes_before_any_change_of_course() -> None:
    state = {"loop": 1, "turn": 0, "counts": {"order_verified": 1}}
    chat = Conversation(
        "order_status_form",
        "order_verified",
        {"failed_verifications": 4, STATE_SLOT: state},
    )
    messages, asked = await chat.answer("order_verified", "nope@example.com")
    assert messages == []  # action_order_status says why, with the team's contact
    assert chat.slots["lookup_blocked"] == "locked"
    assert chat.slots["failed_verifications"] == 5
    assert asked is None


async def test_misses_counted_in_an_earlier_form_do_not_carry_over() -> None:
    earlier = {"loop": 0, "turn": 0, "counts": {"order_id": 1}}  # before this form started
    chat = Conversation("cancel_order_form", "order_id", {STATE_SLOT: earlier})
    _, asked = await chat.answer("order_id", "jane@example.com")
    assert asked == "order_id"
    assert chat.slots[STATE_SLOT]["counts"] == {"order_id": 1}


async def test_an_answer_that_fills_the_question_forgets_its_misses() -> None:
    chat = Conversation("change_address_form", "new_address")
    await chat.answer("new_address", "my friend's place")
    assert chat.slots[STATE_SLOT]["counts"] == {"new_address": 1}
    _, asked = await chat.answer("new_address", "12 Oak St, Springfield, IL 62704")
    assert chat.slots["new_address"] == "12 Oak St, Springfield, IL 62704"
    assert chat.slots[STATE_SLOT]["counts"] == {}
    assert asked == "address_confirmed"


async def test_an_order_number_given_instead_of_an_email_goes_on_to_the_usual_check() -> None:
    chat = Conversation("order_status_form", "shopper_identity")  # after two missed numbers
    messages, asked = await chat.answer("shopper_identity", "oh wait, it's AC-106480")
    assert messages == []
    assert chat.slots["order_id"] == "AC-106480"
    assert asked == "order_verified"  # the order's e-mail or ZIP, as for any order number
