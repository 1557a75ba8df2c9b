"""``make bench-proactive`` at a small scale: a simulated week breaks no rule, and a sender
process killed mid-send and restarted loses nothing and repeats nothing.

The week is played once for the module (a real sender process, the real webhook over HTTP,
the stand-ins of Twilio and Rasa); the checker is then shown to count a violation when one is
planted, so its zeros mean something.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from benchmarks.proactive import run_benchmark
from benchmarks.proactive_check import RULES, Check, Delivery, Run, check, tally
from merchants.proactive import Channel, Kind

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Check]:
    db_url = f"sqlite:///{tmp_path_factory.mktemp('bench') / 'proactive.db'}"
    return asyncio.run(run_benchmark(events=200, shoppers=50, kills=2, seed=7, db_url=db_url))


def test_a_simulated_week_breaks_no_rule(week: tuple[Run, Check]) -> None:
    run, result = week
    assert result.violations == dict.fromkeys(RULES, 0)
    assert len(run.deliveries) > 50


def test_a_sender_killed_twice_mid_send_loses_nothing_and_repeats_nothing(
    week: tuple[Run, Check],
) -> None:
    run, result = week
    assert len(run.kills) == 2 and all(k["claimed"] for k in run.kills)
    assert (result.lost, result.repeated, result.unrecorded, result.stuck) == (0, 0, 0, 0)


def test_the_week_puts_every_rule_to_work(week: tuple[Run, Check]) -> None:
    run, _ = week
    verdicts, at_send = run.event_verdicts, tally(run)["at_send"]
    for name in ("sent", "held_quiet", "scheduled", "cap", "consent", "duplicate", "kind_off"):
        assert verdicts[name] > 0, name
    assert verdicts["asked_today"] + at_send["asked_today"] > 0
    assert run.answers["409"] > 0  # the same event id, re-sent


def _planted(run: Run, delivery: Delivery) -> dict[str, int]:
    return check(dataclasses.replace(run, deliveries=[*run.deliveries, delivery])).violations


def test_the_checker_sees_a_message_at_night_twice_about_one_order_or_of_a_kind_off(
    week: tuple[Run, Check],
) -> None:
    run, _ = week
    first = run.deliveries[0]
    zone = ZoneInfo(run.scenario.shoppers[first.shopper].zone)
    night = dt.datetime.combine(first.at.astimezone(zone).date(), dt.time(23, 30), zone)
    found = _planted(run, dataclasses.replace(first, at=night.astimezone(dt.timezone.utc)))
    assert found["quiet_hours"] == 1 and found["duplicate"] == 1
    refund = _planted(run, dataclasses.replace(first, kind=Kind.refund_paid, order="AC-X"))
    assert refund["kind_off"] == 1


def test_the_checker_sees_a_message_after_stop(week: tuple[Run, Check]) -> None:
    run, _ = week
    stopped = next(s for s in run.scenario.shoppers.values() if s.sms in run.scenario.stops)
    after = run.scenario.stops[stopped.sms] + dt.timedelta(hours=1)
    late = Delivery(Channel.sms, stopped.sms, stopped.id, "AC-Y", Kind.delay, after)
    assert _planted(run, late)["consent"] == 1
