"""A shopper writing in another language hears English, their language where the merchant wrote
it, and the offer of a person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.languages import ActionOtherLanguage
from merchants.policy import DEFAULT_POLICY_PATH, load_policy


def tracker(
    language: str | None, slots: dict[str, Any] | None = None, loop: str | None = None
) -> Tracker:
    entities = [{"entity": "language", "value": language}] if language else []
    latest = {"intent": {"name": "other_language"}, "entities": entities, "text": "..."}
    active = {"name": loop} if loop else {}
    return Tracker("shopper-1", slots or {}, latest, [], False, None, active, "action_listen")


async def run(t: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionOtherLanguage().run(dispatcher, t, {})
    return dispatcher.messages, events


@pytest.fixture
def policy_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point MERCHANT_POLICY at the demo policy with other language sentences."""

    def use(sentences: dict[str, str]) -> None:
        data = yaml.safe_load(DEFAULT_POLICY_PATH.read_text())
        data["other_languages"] = sentences
        path = tmp_path / "policy.yml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        monkeypatch.setenv("MERCHANT_POLICY", str(path))
        load_policy.cache_clear()

    yield use
    load_policy.cache_clear()


async def test_a_spanish_shopper_hears_english_then_spanish_then_the_offer(
    policy_with: Any,
) -> None:
    policy_with({"es": "Lo siento, solo hablo inglés."})
    messages, events = await run(tracker("es"))
    assert [m.get("response") or m.get("text") for m in messages] == [
        "utter_english_only",
        "Lo siento, solo hablo inglés.",
        "utter_offer_person_other_language",
    ]
    assert SlotSet("shopper_language", "es") in events


async def test_a_language_the_merchant_did_not_write_gets_the_english_alone(
    policy_with: Any,
) -> None:
    policy_with({"es": "Lo siento, solo hablo inglés."})
    messages, _ = await run(tracker("pl"))
    assert [m.get("response") for m in messages] == [
        "utter_english_only",
        "utter_offer_person_other_language",
    ]


async def test_the_language_written_in_before_is_used_when_the_message_names_none(
    policy_with: Any,
) -> None:
    policy_with({"fr": "Désolé, je ne parle qu'anglais."})
    messages, _ = await run(tracker(None, slots={"shopper_language": "fr"}))
    assert "Désolé, je ne parle qu'anglais." in [m.get("text") for m in messages]


async def test_a_form_in_progress_is_left_so_its_question_is_not_asked_again(
    policy_with: Any,
) -> None:
    policy_with({})
    _, events = await run(tracker("de", loop="order_status_form"))
    assert ActiveLoop(None) in events
    assert SlotSet("requested_slot", None) in events


def test_the_offer_of_a_person_has_a_yes_and_a_no_button() -> None:
    domain = yaml.safe_load((Path(__file__).parents[3] / "domain.yml").read_text())
    (variant,) = domain["responses"]["utter_offer_person_other_language"]
    assert [b["payload"] for b in variant["buttons"]] == ["/affirm", "/deny"]
