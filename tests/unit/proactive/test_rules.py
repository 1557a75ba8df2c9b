"""The rules a shopper would notice if they bent: quiet hours, caps, consent, dedup, asked today.

Times are written as the shopper's wall clock and checked as instants, across zones with and
without daylight saving time, in both hemispheres, on the nights clocks change.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from merchants.proactive import Caps, Channel, Kind, Kinds, ProactiveSettings, QuietHours
from proactive.events import OrderEvent
from proactive.rules import (
    Contact,
    Decision,
    Facts,
    Outcome,
    Reason,
    asked_today,
    choose_contact,
    decide,
    idempotency_key,
    in_quiet_hours,
    messenger_mode,
    over_cap,
    plan,
    quiet_hours_end,
)

UTC = dt.timezone.utc
NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
SYDNEY = ZoneInfo("Australia/Sydney")
TOKYO = ZoneInfo("Asia/Tokyo")
NIGHT = QuietHours(start=dt.time(21), end=dt.time(8))
ALL_ON = Kinds.parse_obj(
    {
        "delay": {"enabled": True},
        "exception": {"enabled": True},
        "delivered": {"enabled": True},
        "refund_paid": {"enabled": True},
        "review_request": {"enabled": True, "days_after_delivery": 5},
        "replenishment": {"enabled": True, "days_by_category": {"coffee": 28, "filters": 60}},
    }
)
SETTINGS = ProactiveSettings(
    webhook_secret_env="PROACTIVE_SECRET_TEST",
    time_zone="America/New_York",
    quiet_hours=NIGHT,
    caps=Caps(per_day=2, per_week=5),
    kinds=ALL_ON,
)


def local(zone: ZoneInfo, text: str, fold: int = 0) -> dt.datetime:
    """An instant given as the wall clock in ``zone`` ("2026-06-10 22:30")."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold).astimezone(UTC)


def z(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def sms(kinds: set[Kind], changed: str = "2026-06-01T12:00") -> Contact:
    return Contact(Channel.sms, "sms:demo:sealed", frozenset(kinds), z(changed))


# ---- quiet hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "quiet"),
    [
        ("20:59", False),
        ("21:00", True),
        ("23:59", True),
        ("00:00", True),
        ("07:59", True),
        ("08:00", False),
        ("12:00", False),
    ],
)
def test_overnight_quiet_hours_include_the_start_and_exclude_the_end(
    wall: str, quiet: bool
) -> None:
    assert in_quiet_hours(dt.time.fromisoformat(wall), NIGHT) is quiet


@pytest.mark.parametrize(
    ("wall", "quiet"), [("11:59", False), ("12:00", True), ("13:59", True), ("14:00", False)]
)
def test_quiet_hours_within_one_day_work_too(wall: str, quiet: bool) -> None:
    siesta = QuietHours(start=dt.time(12), end=dt.time(14))
    assert in_quiet_hours(dt.time.fromisoformat(wall), siesta) is quiet


@pytest.mark.parametrize(
    ("zone", "at", "released"),
    [
        # Late evening: held until 8 the next morning, local time.
        (NY, "2026-06-10 22:30", "2026-06-11T12:00"),
        # Early morning: held until 8 the same morning.
        (NY, "2026-06-11 07:59", "2026-06-11T12:00"),
        (BERLIN, "2026-06-11 03:00", "2026-06-11T06:00"),
        # Half-hour offset, no daylight saving time.
        (KOLKATA, "2026-06-10 23:00", "2026-06-11T02:30"),
        # Southern hemisphere in its winter (no DST in June): UTC+10.
        (SYDNEY, "2026-06-10 21:00", "2026-06-10T22:00"),
        # The night clocks go forward (New York, 8 March 2026): 8 a.m. EDT is 12:00 UTC.
        (NY, "2026-03-07 23:00", "2026-03-08T12:00"),
        # The night clocks go back (New York, 1 November 2026): 8 a.m. EST is 13:00 UTC.
        (NY, "2026-10-31 23:00", "2026-11-01T13:00"),
        # Berlin's own change nights (29 March and 25 October 2026).
        (BERLIN, "2026-03-28 22:00", "2026-03-29T06:00"),
        (BERLIN, "2026-10-24 22:00", "2026-10-25T07:00"),
        # Sydney's clocks go forward on 4 October 2026: 8 a.m. AEDT is 21:00 UTC.
        (SYDNEY, "2026-10-03 22:00", "2026-10-03T21:00"),
    ],
)
def test_a_message_in_quiet_hours_is_released_at_8_on_the_shoppers_clock(
    zone: ZoneInfo, at: str, released: str
) -> None:
    end = quiet_hours_end(local(zone, at), zone, NIGHT)
    assert end == z(released)
    assert end.astimezone(zone).time() == dt.time(8)


@pytest.mark.parametrize("at", ["2026-06-11 08:00", "2026-06-11 12:00", "2026-06-11 20:59"])
def test_outside_quiet_hours_nothing_is_held(at: str) -> None:
    assert quiet_hours_end(local(NY, at), NY, NIGHT) is None


def test_one_instant_is_quiet_in_one_zone_and_not_in_another() -> None:
    instant = z("2026-06-11T02:00")  # 22:00 in New York, 04:00 Berlin, 11:00 Tokyo
    assert quiet_hours_end(instant, NY, NIGHT) == z("2026-06-11T12:00")
    assert quiet_hours_end(instant, BERLIN, NIGHT) == z("2026-06-11T06:00")
    assert quiet_hours_end(instant, TOKYO, NIGHT) is None
    assert quiet_hours_end(instant, KOLKATA, NIGHT) == z("2026-06-11T02:30")  # 07:30 there


def test_an_end_in_the_skipped_hour_moves_later_never_into_quiet_time() -> None:
    # Quiet until 02:30, but on 8 March 2026 New York's clocks jump from 02:00 to 03:00.
    short_night = QuietHours(start=dt.time(22), end=dt.time(2, 30))
    at = local(NY, "2026-03-08 01:50")
    end = quiet_hours_end(at, NY, short_night)
    assert end is not None and end > at
    assert end.astimezone(NY).time() == dt.time(3, 30)


def test_an_end_in_the_repeated_hour_is_its_first_occurrence_after_now() -> None:
    # Quiet until 01:30; on 1 November 2026 New York lives 01:00-02:00 twice.
    short_night = QuietHours(start=dt.time(22), end=dt.time(1, 30))
    before = local(NY, "2026-10-31 23:00")
    assert quiet_hours_end(before, NY, short_night) == local(NY, "2026-11-01 01:30", fold=0)
    # At 01:10 the second time round, the first 01:30 has passed: the second one ends it.
    second_time = local(NY, "2026-11-01 01:10", fold=1)
    end = quiet_hours_end(second_time, NY, short_night)
    assert end == local(NY, "2026-11-01 01:30", fold=1)
    assert end is not None and end - second_time == dt.timedelta(minutes=20)


# ---- caps ----------------------------------------------------------------------------------

CAPS = Caps(per_day=2, per_week=5)


@pytest.mark.parametrize(
    ("others", "over"),
    [
        ([], False),
        (["2026-06-10 09:00"], False),
        (["2026-06-10 09:00", "2026-06-10 19:00"], True),
        # Yesterday's messages do not count towards today.
        (["2026-06-09 09:00", "2026-06-09 19:00"], False),
        # 23:30 local yesterday is 03:30 UTC today, but it is yesterday for the shopper.
        (["2026-06-09 23:30", "2026-06-10 09:00"], False),
        # Five in the seven days ending today fill the week.
        (
            [
                "2026-06-04 10:00",
                "2026-06-05 10:00",
                "2026-06-06 10:00",
                "2026-06-08 10:00",
                "2026-06-09 10:00",
            ],
            True,
        ),
        # The oldest of them eight days back no longer counts.
        (
            [
                "2026-06-03 10:00",
                "2026-06-05 10:00",
                "2026-06-06 10:00",
                "2026-06-08 10:00",
                "2026-06-09 10:00",
            ],
            False,
        ),
    ],
)
def test_caps_count_the_shoppers_own_days_and_week(others: list[str], over: bool) -> None:
    at = local(NY, "2026-06-10 12:00")
    assert over_cap(at, NY, [local(NY, o) for o in others], CAPS) is over


def test_the_same_messages_fill_a_day_in_one_zone_and_not_in_another() -> None:
    others = [z("2026-06-10T03:00"), z("2026-06-10T15:00")]  # 23:00 the 9th in New York
    at = z("2026-06-10T16:00")
    assert over_cap(at, BERLIN, others, CAPS) is True  # both on the 10th in Berlin
    assert over_cap(at, NY, others, CAPS) is False


def test_the_day_clocks_go_forward_is_still_one_day() -> None:
    # 8 March 2026 in New York has 23 hours; 00:30 and 23:30 are the same day.
    others = [local(NY, "2026-03-08 00:30"), local(NY, "2026-03-08 12:00")]
    assert over_cap(local(NY, "2026-03-08 23:30"), NY, others, CAPS) is True
    assert over_cap(local(NY, "2026-03-09 00:30"), NY, others, CAPS) is False


# ---- asked today ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "suppressed"),
    [
        ("2026-06-10 00:05", True),
        ("2026-06-10 11:59", True),
        ("2026-06-09 23:59", False),
        ("2026-06-08 12:00", False),
    ],
)
def test_a_question_about_the_order_today_means_no_message_today(
    asked: str, suppressed: bool
) -> None:
    assert asked_today(local(NY, "2026-06-10 12:00"), NY, [local(NY, asked)]) is suppressed


def test_today_is_the_shoppers_day_not_utcs() -> None:
    asked = z("2026-06-10T02:00")  # 22:00 the 9th in New York, 04:00 the 10th in Berlin
    at = z("2026-06-10T14:00")
    assert asked_today(at, NY, [asked]) is False
    assert asked_today(at, BERLIN, [asked]) is True


# ---- consent and the channel ---------------------------------------------------------------


def test_the_channel_is_the_most_recently_used_one_that_agreed_to_the_kind() -> None:
    old_sms = Contact(Channel.sms, "sms:demo:a", frozenset({Kind.delay}), z("2026-06-01T00:00"))
    new_fb = Contact(
        Channel.messenger, "messenger:demo:1", frozenset({Kind.delay}), z("2026-06-05T00:00")
    )
    review_only = Contact(
        Channel.webchat, "w1", frozenset({Kind.review_request}), z("2026-06-09T00:00")
    )
    contacts = [old_sms, new_fb, review_only]
    assert choose_contact(contacts, Kind.delay) == new_fb
    assert choose_contact(contacts, Kind.review_request) == review_only
    assert choose_contact(contacts, Kind.refund_paid) is None
    assert choose_contact([], Kind.delay) is None


# ---- the whole decision --------------------------------------------------------------------

NOON = local(NY, "2026-06-10 12:00")
LATE = local(NY, "2026-06-10 22:30")
MORNING = z("2026-06-11T12:00")  # 08:00 the next day in New York
DELAY = {Kind.delay}


def two_on(day: str) -> list[dt.datetime]:
    """Two messages on a local day in New York: a full day under the cap of 2."""
    return [local(NY, f"{day} 09:00"), local(NY, f"{day} 10:00")]


def asked(at: str) -> list[dt.datetime]:
    return [local(NY, at)]


def suppressed(reason: Reason) -> Decision:
    return Decision(Outcome.suppress, reason)


SENT_NOW = Decision(Outcome.send)
HELD_TILL_8 = Decision(Outcome.hold, not_before=MORNING)


@pytest.mark.parametrize(
    ("name", "kind", "now", "facts", "expected"),
    [
        ("all clear", Kind.delay, NOON, Facts(sms(DELAY)), SENT_NOW),
        ("no consent anywhere", Kind.delay, NOON, Facts(None), suppressed(Reason.consent)),
        ("consent to another kind", Kind.delivered, NOON, Facts(None), suppressed(Reason.consent)),
        ("STOP", Kind.delay, NOON, Facts(sms(DELAY), opted_out=True), suppressed(Reason.consent)),
        ("queued", Kind.delay, NOON, Facts(sms(DELAY), duplicate=True),
         suppressed(Reason.duplicate)),
        ("asked this morning", Kind.delay, NOON,
         Facts(sms(DELAY), inquiries=asked("2026-06-10 09:00")), suppressed(Reason.asked_today)),
        ("asked yesterday", Kind.delay, NOON,
         Facts(sms(DELAY), inquiries=asked("2026-06-09 18:00")), SENT_NOW),
        ("day full", Kind.delay, NOON, Facts(sms(DELAY), others=two_on("2026-06-10")),
         suppressed(Reason.cap)),
        ("late evening", Kind.delay, LATE, Facts(sms(DELAY)), HELD_TILL_8),
        # Held overnight: judged for the day it arrives, where there is room.
        ("today full, tomorrow free", Kind.delay, LATE,
         Facts(sms(DELAY), others=two_on("2026-06-10")), HELD_TILL_8),
        ("tomorrow full", Kind.delay, LATE, Facts(sms(DELAY), others=two_on("2026-06-11")),
         suppressed(Reason.cap)),
        ("asked after midnight", Kind.delay, LATE,
         Facts(sms(DELAY), inquiries=asked("2026-06-11 00:30")), suppressed(Reason.asked_today)),
    ],
)  # fmt: skip
def test_each_rule_decides_what_the_shopper_gets(
    name: str, kind: Kind, now: dt.datetime, facts: Facts, expected: Decision
) -> None:
    assert decide(kind, now, now, NY, SETTINGS, facts) == expected, name


def test_a_kind_the_merchant_did_not_switch_on_is_never_sent() -> None:
    off = SETTINGS.copy(update={"kinds": Kinds()})
    decision = decide(Kind.delay, NOON, NOON, NY, off, Facts(sms(DELAY)))
    assert decision == Decision(Outcome.suppress, Reason.kind_off)
    assert decision.describe() == "suppressed: kind_off"


def test_kind_off_is_the_first_rule_and_consent_comes_before_quiet_hours() -> None:
    off = SETTINGS.copy(update={"kinds": Kinds()})
    everything_wrong = Facts(None, duplicate=True)
    assert decide(Kind.delay, LATE, LATE, NY, off, everything_wrong).reason is Reason.kind_off
    assert decide(Kind.delay, LATE, LATE, NY, SETTINGS, Facts(None)).reason is Reason.consent


def test_a_review_request_waits_its_days_and_then_for_the_morning() -> None:
    facts = Facts(sms({Kind.review_request}))
    at_8pm = local(NY, "2026-06-15 20:00")
    assert decide(Kind.review_request, at_8pm, NOON, NY, SETTINGS, facts) == Decision(
        Outcome.hold, not_before=at_8pm
    )
    at_11pm = local(NY, "2026-06-15 23:00")
    held = decide(Kind.review_request, at_11pm, NOON, NY, SETTINGS, facts)
    assert held == Decision(Outcome.hold, not_before=local(NY, "2026-06-16 08:00"))
    assert held.describe() == "held until 2026-06-16T12:00:00+00:00"


def test_a_held_message_released_in_the_morning_is_sent() -> None:
    assert (
        decide(Kind.delay, MORNING, MORNING, NY, SETTINGS, Facts(sms(DELAY))).describe() == "sent"
    )


# ---- planning, Messenger's window, keys ----------------------------------------------------


def event(**fields: object) -> OrderEvent:
    base: dict[str, object] = {
        "event_id": "evt-1",
        "sent_at": "2026-06-10T16:00:00Z",
        "customer_id": "C-1001",
        "order_id": "AC-104233",
    }
    return OrderEvent.parse_obj({**base, **fields})


def test_a_delivery_plans_the_news_a_review_request_and_the_soonest_refill() -> None:
    planned = plan(
        event(type="shipment.delivered", item_categories=["filters", "coffee", "mugs"]), SETTINGS
    )
    at = z("2026-06-10T16:00")
    assert [(p.kind, p.earliest) for p in planned] == [
        (Kind.delivered, at),
        (Kind.review_request, at + dt.timedelta(days=5)),
        (Kind.replenishment, at + dt.timedelta(days=28)),
    ]


def test_a_delivery_of_no_consumable_plans_no_refill_reminder() -> None:
    mugs = event(type="shipment.delivered", item_categories=["mugs"])
    kinds = [p.kind for p in plan(mugs, SETTINGS)]
    assert kinds == [Kind.delivered, Kind.review_request]


@pytest.mark.parametrize(
    ("fields", "kind", "detail"),
    [
        ({"type": "shipment.delayed"}, Kind.delay, ""),
        ({"type": "shipment.exception", "exception": "lost"}, Kind.exception, "lost"),
        (
            {"type": "shipment.exception", "exception": "address_problem"},
            Kind.exception,
            "address_problem",
        ),
        ({"type": "refund.paid"}, Kind.refund_paid, ""),
    ],
)
def test_each_order_event_plans_its_one_message(
    fields: dict[str, object], kind: Kind, detail: str
) -> None:
    (planned,) = plan(event(**fields), SETTINGS)
    assert (planned.kind, planned.detail) == (kind, detail)


def test_the_review_request_counts_days_from_when_the_parcel_arrived() -> None:
    delivered = event(type="shipment.delivered", occurred_at="2026-06-08T09:00:00Z")
    review = plan(delivered, SETTINGS)[1]
    assert review.earliest == z("2026-06-13T09:00")


@pytest.mark.parametrize(
    ("kind", "hours_since_shopper_wrote", "mode"),
    [
        (Kind.delay, 2, ("UPDATE", None)),
        (Kind.review_request, 23.9, ("UPDATE", None)),
        (Kind.delay, 24, ("MESSAGE_TAG", "POST_PURCHASE_UPDATE")),
        (Kind.refund_paid, None, ("MESSAGE_TAG", "POST_PURCHASE_UPDATE")),
        (Kind.review_request, 30, None),
        (Kind.replenishment, None, None),
    ],
)
def test_messenger_goes_inside_the_window_or_with_the_update_tag_only_for_order_news(
    kind: Kind, hours_since_shopper_wrote: float | None, mode: tuple[str, str | None] | None
) -> None:
    hours = hours_since_shopper_wrote
    last = None if hours is None else NOON - dt.timedelta(hours=hours)
    assert messenger_mode(kind, last, NOON, "POST_PURCHASE_UPDATE") == mode


def test_without_a_tag_messenger_waits_for_the_shopper_to_write() -> None:
    assert messenger_mode(Kind.delay, None, NOON, None) is None


def test_the_key_is_one_per_order_and_kind_and_reveals_no_id() -> None:
    key = idempotency_key("demo", "AC-104233", Kind.delay)
    assert key == idempotency_key("demo", "AC-104233", Kind.delay)
    others = {
        idempotency_key("demo", "AC-104233", Kind.delivered),
        idempotency_key("demo", "AC-104234", Kind.delay),
        idempotency_key("outdoor", "AC-104233", Kind.delay),
    }
    assert key not in others and len(others) == 3
    assert "104233" not in key and len(key) <= 40
