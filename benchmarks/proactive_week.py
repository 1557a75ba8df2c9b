"""The simulated week of ``make bench-proactive``: shoppers, zones, consents and events."""

from __future__ import annotations

import datetime as dt
import random
import signal
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from merchants.proactive import Channel, Kind, ProactiveSettings
from proactive.senders import sms_conversation_id as sealed_sms_id

ROOT = Path(__file__).resolve().parent.parent
UTC = dt.timezone.utc
TENANT = "demo"
SECRET_ENV = "PROACTIVE_WEBHOOK_SECRET_DEMO"
WEEK_START = dt.datetime(2026, 10, 25, tzinfo=UTC)
WEEK = dt.timedelta(days=7)
# After the last event: review requests are due two days after a delivery, and the last
# night's held messages wait for the morning.
DRAIN = dt.timedelta(days=2, hours=12)
STEP = dt.timedelta(minutes=15)
ZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Africa/Cairo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
)
SETTINGS = ProactiveSettings.parse_obj(
    {
        "webhook_secret_env": SECRET_ENV,
        "time_zone": "America/New_York",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "caps": {"per_day": 2, "per_week": 5},
        "kinds": {
            "delay": {"enabled": True},
            "exception": {"enabled": True},
            "delivered": {"enabled": True},
            "refund_paid": {"enabled": False},
            "review_request": {"enabled": True, "days_after_delivery": 2},
            # Shortened so that refills fall inside the simulated week.
            "replenishment": {"enabled": True, "days_by_category": {"coffee": 3}},
        },
    }
)
ORDER_NEWS = [Kind.delay, Kind.exception, Kind.delivered, Kind.refund_paid]
# An order's story: event types in order (exception events say which).
STORIES: tuple[tuple[float, tuple[str, ...]], ...] = (
    (0.40, ("shipment.delivered",)),
    (0.22, ("shipment.delayed", "shipment.delivered")),
    (0.10, ("shipment.exception", "shipment.delivered")),
    (0.10, ("shipment.delayed", "shipment.exception", "refund.paid")),
    (0.18, ("shipment.delivered", "refund.paid")),
)
SENDER_DIED = -signal.SIGKILL
KILL_MODES = ("twilio", "rasa", "later")
# The SQLite file lives in memory when it can: each commit's fsync costs ~20 ms on this
# machine's disk, which alone would make the week ten minutes. What is shown here is a killed
# process, whose writes the page cache keeps either way, not a machine losing power.
SCRATCH = "/dev/shm"


@dataclass(frozen=True)
class Shopper:
    id: str
    zone: str
    phone: str
    sms: str  # the SMS conversation id (the number sealed, as the channel stores it)
    web: str  # the web chat conversation id


@dataclass(frozen=True)
class Action:
    """Something that happens at a simulated time: an event posted, a STOP, a question."""

    at: dt.datetime
    what: str  # "event", "stop" or "inquiry"
    shopper: str
    body: dict[str, Any] | None = None
    order: str = ""
    replay: bool = False  # the same event id sent again


@dataclass
class Scenario:
    """The week, written down before it runs: what the checker trusts instead of the store."""

    shoppers: dict[str, Shopper]
    actions: list[Action]
    # (conversation, kind) → consent changes in time order, and conversation → STOP time.
    consents: dict[tuple[str, Kind], list[tuple[dt.datetime, bool]]]
    stops: dict[str, dt.datetime]
    inquiries: dict[str, list[dt.datetime]]  # order → when the shopper asked
    shipment_events: int = 0


def _at(day_fraction: float) -> dt.datetime:
    return WEEK_START + dt.timedelta(seconds=int(WEEK.total_seconds() * day_fraction))


def _event(
    event_id: str, kind: str, at: dt.datetime, shopper: Shopper, order: str, rng: random.Random
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id,
        "type": kind,
        "sent_at": at.isoformat(),
        "occurred_at": at.isoformat(),
        "customer_id": shopper.id,
        "order_id": order,
        "time_zone": shopper.zone,
    }
    if kind == "shipment.exception":
        body["exception"] = rng.choice(["lost", "failed_delivery", "address_problem"])
    if kind == "shipment.delivered":
        body["item_categories"] = ["coffee"] if rng.random() < 0.3 else ["mugs"]
    return body


def build(n_events: int, n_shoppers: int, seed: int) -> Scenario:
    """The week's shoppers, their consents and every event, STOP and question, in time order."""
    rng = random.Random(seed)
    shoppers: dict[str, Shopper] = {}
    actions: list[Action] = []
    consents: dict[tuple[str, Kind], list[tuple[dt.datetime, bool]]] = defaultdict(list)
    stops: dict[str, dt.datetime] = {}
    inquiries: dict[str, list[dt.datetime]] = defaultdict(list)

    def consent(
        shopper: Shopper, channel: Channel, kinds: list[Kind], at: dt.datetime, ok: bool
    ) -> None:
        conversation = shopper.sms if channel is Channel.sms else shopper.web
        body: dict[str, Any] = {
            "event_id": f"consent-{len(actions)}",
            "type": "consent.updated",
            "sent_at": at.isoformat(),
            "customer_id": shopper.id,
            "channel": channel.value,
            "kinds": [k.value for k in kinds],
            "granted": ok,
        }
        if channel is Channel.sms:
            body["phone"] = shopper.phone
        else:
            body["conversation_id"] = conversation
        actions.append(Action(at, "event", shopper.id, body))
        for kind in kinds:
            consents[(conversation, kind)].append((at, ok))

    before = WEEK_START - dt.timedelta(hours=1)
    for n in range(n_shoppers):
        phone = f"+1555{n:07d}"
        shopper = Shopper(
            f"C-{n:05d}", ZONES[n % len(ZONES)], phone, sealed_sms_id(TENANT, phone), f"wc-{n:08x}"
        )
        shoppers[shopper.id] = shopper
        at = before + dt.timedelta(seconds=n)
        draw = rng.random()
        if draw < 0.08:  # agreed to nothing; half of them agree mid-week
            if rng.random() < 0.5:
                consent(shopper, Channel.sms, list(Kind), _at(rng.random()), True)
            continue
        if draw < 0.60:
            consent(shopper, Channel.sms, ORDER_NEWS, at, True)
        elif draw < 0.75:
            consent(shopper, Channel.sms, list(Kind), at, True)
        elif draw < 0.87:
            consent(shopper, Channel.webchat, [*ORDER_NEWS, Kind.review_request], at, True)
        else:
            consent(shopper, Channel.sms, ORDER_NEWS, at, True)
            consent(shopper, Channel.webchat, list(Kind), at + dt.timedelta(minutes=1), True)
        if draw < 0.75 and rng.random() < 0.12:  # STOP by text, some time in the week
            stop_at = _at(rng.random())
            stops[shopper.sms] = stop_at
            actions.append(Action(stop_at, "stop", shopper.id))
        elif draw >= 0.75 and rng.random() < 0.10:  # no more review requests in web chat
            consent(shopper, Channel.webchat, [Kind.review_request], _at(rng.random()), False)

    ids = list(shoppers)
    weights = [weight for weight, _ in STORIES]
    stories = [story for _, story in STORIES]
    count = 0
    while count < n_events:
        shopper = shoppers[rng.choice(ids)]
        order = f"AC-{100000 + len(inquiries)}"  # one entry per order, below
        at = _at(rng.random() * 0.9)
        times = []
        for kind in rng.choices(stories, weights)[0]:
            if at >= WEEK_START + WEEK or count >= n_events:
                break
            body = _event(f"{order}.{kind}", kind, at, shopper, order, rng)
            actions.append(Action(at, "event", shopper.id, body, order))
            count += 1
            times.append(at)
            if rng.random() < 0.04 and count < n_events:  # the shop's retry: same event id
                later = at + dt.timedelta(seconds=rng.randrange(30, 240))
                actions.append(Action(later, "event", shopper.id, body, order, replay=True))
                count += 1
            if rng.random() < 0.04 and count < n_events:  # the same news again, a new id
                later = at + dt.timedelta(minutes=rng.randrange(10, 600))
                again = _event(f"{order}.{kind}.again", kind, later, shopper, order, rng)
                actions.append(Action(later, "event", shopper.id, again, order))
                count += 1
            at += dt.timedelta(minutes=rng.randrange(6 * 60, 48 * 60))
        if times and rng.random() < 0.12:  # the shopper asks about the order
            near = rng.choice(times)
            offset = rng.uniform(-4 * 3600, 14 * 3600)
            asked = max(near + dt.timedelta(seconds=offset), WEEK_START)
            inquiries[order].append(asked)
            actions.append(Action(asked, "inquiry", shopper.id, order=order))
        else:
            inquiries.setdefault(order, [])
    actions.sort(key=lambda a: a.at)
    return Scenario(shoppers, actions, dict(consents), stops, dict(inquiries), count)
