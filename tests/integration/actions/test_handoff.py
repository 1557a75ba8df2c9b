"""The handoff action against the real desk service, over real HTTP, on a temporary database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from aiohttp.test_utils import TestServer
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.services.desk as desk_client
from actions.handoff import ActionHandOff
from desk.accounts import AgentView
from desk.app import SERVICE_KEY, create_app
from desk.config import DeskConfig
from guardrails.handoff.rules import DEFAULT_RULES_PATH, load_rules
from stack.settings import DEFAULTS_FILE, read_env_file

ENV = read_env_file(DEFAULTS_FILE)
TOKEN = "desk-integration-token"
DEMO_AGENT = AgentView(1, "ana", "Ana", "demo", "agent")


@pytest.fixture(autouse=True)
def _pii_keys_and_fresh_rules(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AFTERCARE_PII_PSEUDONYM_KEY", ENV["AFTERCARE_PII_PSEUDONYM_KEY"])
    yield
    load_rules.cache_clear()  # later tests read the rules their environment names


@pytest_asyncio.fixture
async def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    config = DeskConfig(
        db_url=f"sqlite:///{tmp_path / 'desk.db'}",
        api_token=TOKEN,
        rasa_url="http://127.0.0.1:9",  # unused here: nothing is delivered
        rasa_token="unused",
        transcript_key=ENV["DESK_TRANSCRIPT_KEY"],
        sync_interval_s=60,
    )
    app = create_app(config)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    monkeypatch.setenv("DESK_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setenv("DESK_API_TOKEN", TOKEN)
    monkeypatch.setattr(desk_client, "_client", None)
    yield app
    await server.close()


def rules_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, open_now: bool) -> None:
    rules = yaml.safe_load(DEFAULT_RULES_PATH.read_text())
    today = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][
        dt.datetime.now(dt.timezone.utc).weekday()
    ]
    days = [today] if open_now else [d for d in ["mon", "tue", "wed"] if d != today][:1]
    rules["support_hours"] = {"timezone": "UTC", "days": days, "opens": "00:00", "closes": "24:00"}
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    monkeypatch.setenv("HANDOFF_RULES", str(path))
    load_rules.cache_clear()


def claim_tracker() -> Tracker:
    events = [
        {
            "event": "user",
            "text": "my order AC-100001 never came, email me at kim@example.com",
            "timestamp": 100.0,
            "parse_data": {"intent": {"name": "delivery_problem"}},
        },
        {"event": "slot", "name": "order_id", "value": "AC-100001"},
        {"event": "slot", "name": "order_verified", "value": True},
        {"event": "bot", "text": "This one needs a person from our team."},
    ]
    latest = {"intent": {"name": "affirm"}, "entities": [], "text": "yes"}
    slots = {"handoff_reason": "claim_above_threshold", "order_id": "AC-100001"}
    return Tracker("shopper-7", slots, latest, events, False, None, {}, "action_listen")


async def test_a_claim_above_the_threshold_opens_a_ranked_masked_ticket_and_pauses_the_bot(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_file(tmp_path, monkeypatch, open_now=True)
    dispatcher = CollectingDispatcher()
    events = await ActionHandOff().run(dispatcher, claim_tracker(), {})
    assert events[-1]["event"] == "pause"
    said = dispatcher.messages[0]
    assert said["response"] == "utter_handoff_started" and said["queue_position"] == 1
    handoff = dispatcher.messages[1]["custom"]["handoff"]
    queue = await desk[SERVICE_KEY].queue(DEMO_AGENT)
    assert [t["ticket_id"] for t in queue] == [handoff["ticket_id"]]
    ticket = queue[0]
    assert ticket["reason"] == "claim_above_threshold" and ticket["priority"] == 60
    assert ticket["summary"]["verified_order"] == "AC-100001"  # order ids are kept
    transcript = await desk[SERVICE_KEY].transcript(DEMO_AGENT, handoff["ticket_id"])
    assert "kim@example.com" not in str(transcript)


async def test_outside_support_hours_the_shopper_is_told_and_can_leave_a_message(
    desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_file(tmp_path, monkeypatch, open_now=False)
    dispatcher = CollectingDispatcher()
    events = await ActionHandOff().run(dispatcher, claim_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_after_hours"
    assert "UTC" in dispatcher.messages[0]["hours"]
    assert events[-1]["event"] == "pause"  # what they write next is the message left
    queue = await desk[SERVICE_KEY].queue(DEMO_AGENT)
    assert queue[0]["after_hours"] is True


async def test_when_the_desk_is_down_the_shopper_gets_the_teams_contact_and_the_bot_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_file(tmp_path, monkeypatch, open_now=True)
    monkeypatch.setenv("DESK_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(desk_client, "_client", None)
    dispatcher = CollectingDispatcher()
    events = await ActionHandOff().run(dispatcher, claim_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_unavailable"
    assert "@" in dispatcher.messages[0]["support_email"]
    assert all(e["event"] != "pause" for e in events)
