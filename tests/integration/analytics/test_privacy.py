"""No personal value reaches an analytics table, whether or not the stream was scrubbed.

Two proofs: the raw events (no scrubber at all) leave none of the planted values, because a
fact stores no text; and the stream as the real broker publishes it (Presidio and spaCy,
``guardrails/pii.yml``) gives the same figures, so scrubbing does not cost analytics anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.utils import read_endpoints_from_path
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import Engine

from analytics.consumer import FileSource
from analytics.figures import (
    Scope,
    assistant_satisfaction,
    conversations,
    forms,
    handoffs,
    satisfaction,
    understanding,
)
from analytics.ingest import ingest
from stack.settings import ROOT, stack_env
from stores.brokers import protector_of
from stores.tracker import slot_values
from tests.integration.analytics.conftest import dump
from tests.unit.analytics.chats import (
    ADDRESS,
    DAY,
    EMAIL,
    NAME,
    PHONE,
    PLANTED,
    Chat,
    a_day_at_the_store,
    at,
    bot_rated,
    goodbye_asked,
    order_status,
    stream,
)

pytestmark = pytest.mark.timeout(120)


def oversharing() -> Chat:
    """A shopper who puts personal data everywhere a value can travel."""
    chat = Chat(EMAIL, at(DAY, 15)).session("demo")
    chat.user(
        f"I am {NAME}, {EMAIL}, {PHONE}, {ADDRESS}",
        "change_address",
        0.9,
        [{"entity": "email", "value": EMAIL, "start": 7, "end": 30}],
    )
    chat.action("change_address_form").form("change_address_form")
    chat.slot("requested_slot", "new_address").bot("utter_ask_new_address").listen()
    chat.user(ADDRESS, "inform", 0.8).slot("new_address", ADDRESS).slot("shopper_identity", NAME)
    chat.slot("requested_slot", f"{NAME}")
    chat.bot("utter_ask_address_confirmed", name=NAME, phone=PHONE).listen()
    return chat


def rating_the_assistant() -> list[Chat]:
    """Served shoppers answer the assistant's question at goodbye, one with their name in it."""
    chats = []
    for n, (answer, kept) in enumerate([(f"5! thanks, {NAME}", "5"), ("meh", "skipped")]):
        served = order_status(Chat(f"rated-{n}", at(DAY, 16 + n)).session("demo"))
        chats.append(bot_rated(goodbye_asked(served), answer, kept))
    return chats


def leaked(engine: Engine) -> list[str]:
    text = repr(dump(engine)).lower()
    return [value for value in PLANTED if value.lower() in text]


def test_the_raw_stream_leaves_no_personal_value_in_any_table(engine: Engine) -> None:
    ingest(engine, stream([*a_day_at_the_store(), oversharing(), *rating_the_assistant()]))
    assert dump(engine)["analytics_events"], "nothing was stored: the test would prove nothing"
    assert leaked(engine) == []


async def scrubbing_file_broker(monkeypatch: pytest.MonkeyPatch, path: Path) -> EventBroker:
    """The broker endpoints.yml builds for EVENT_BROKER=file, told the domain as Rasa does."""
    env = stack_env({"EVENT_BROKER": "file", "EVENT_BROKER_URL": str(path)})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    broker = await EventBroker.create(read_endpoints_from_path(ROOT / "endpoints.yml").event_broker)
    assert broker is not None
    protector = protector_of(broker)
    assert protector is not None
    protector.use_domain(slot_values(Domain.load(str(ROOT / "domain.yml"))))
    return broker


async def test_the_scrubbed_stream_gives_the_same_figures_and_no_personal_value(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "events.log"
    broker = await scrubbing_file_broker(monkeypatch, log)
    chats = [*a_day_at_the_store(), oversharing(), *rating_the_assistant()]
    for message in stream(chats):
        broker.publish(message.body)
    await broker.close()
    published = log.read_text(encoding="utf-8")
    assert EMAIL not in published and "utter_handoff_started" in published

    report = FileSource(engine, log).read()
    assert report.stored == len(stream(chats)) and report.rejected == 0
    assert leaked(engine) == []

    raw = sa.create_engine(f"sqlite:///{tmp_path / 'raw.db'}")
    ingest(raw, stream(chats))
    for tenant in ("demo", "outdoor"):
        scope = Scope(tenant, DAY, DAY)
        for figure in (
            conversations,
            handoffs,
            forms,
            satisfaction,
            assistant_satisfaction,
            understanding,
        ):
            assert figure(engine, scope) == figure(raw, scope), (tenant, figure.__name__)
    own = assistant_satisfaction(engine, Scope("demo", DAY, DAY))
    assert (own.asked, own.rated, own.skipped, own.mean) == (2, 1, 1, 5.0)
    raw.dispose()
