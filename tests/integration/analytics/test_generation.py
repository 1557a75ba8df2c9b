"""Rewording decisions pass the stream's real scrubber: every listed reason arrives as it left."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from analytics.consumer import FileSource
from analytics.figures import Scope, guardrails
from guardrails.generation.decisions import REASONS, REPHRASED
from tests.integration.analytics.test_privacy import scrubbing_file_broker
from tests.unit.analytics.chats import DAY, Chat, at, stream

pytestmark = pytest.mark.timeout(120)


async def test_every_reason_reaches_the_figures_through_the_scrubbing_broker(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log = tmp_path / "events.log"
    broker = await scrubbing_file_broker(monkeypatch, log)
    chat = Chat("g1", at(DAY, 9)).session("demo").user("hello", "greet", 0.99)
    for reason in sorted(REASONS):
        generation = {"rephrased": reason == REPHRASED, "reason": reason}
        chat.action("utter_greet").bot(
            "utter_greet", metadata={"rephrase": True, "generation": generation}
        )
    chat.listen()
    for message in stream([chat]):
        broker.publish(message.body)
    await broker.close()

    assert FileSource(engine, log).read().rejected == 0
    found = guardrails(engine, Scope("demo", DAY, DAY))
    assert (found.replies_eligible, found.replies_rephrased) == (len(REASONS), 1)
    assert found.replies_refused == {reason: 1 for reason in sorted(REASONS - {REPHRASED})}
