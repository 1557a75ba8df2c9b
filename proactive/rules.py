"""Whether a proactive message goes now, waits, or never goes: pure functions, no I/O.

Every rule here is one a shopper would notice if it bent: a text at 3 a.m., a third message
in a day, the same news twice, a message after STOP, or news about an order they asked about
an hour ago. The store gathers the facts; these functions only judge them, so each rule is
tested as a table. The same judgement runs twice: when the event arrives (the answer the
webhook gives) and again just before sending (a STOP, a question or another message may have
come in the meantime; held messages are judged at the hour they would actually arrive).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from zoneinfo import ZoneInfo

from merchants.proactive import Caps, Channel, Kind, ProactiveSettings, QuietHours
from proactive.events import EventType, OrderEvent

UTC = dt.timezone.utc
WEEK_DAYS = 7
# Messenger: a page may answer freely within 24 hours of the shopper's last message.
MESSENGER_WINDOW = dt.timedelta(hours=24)
# Kinds that are updates about a purchase, so a post-purchase message tag may carry them
# outside Messenger's window; a review request or a reminder to buy again may not.
TAGGABLE = frozenset({Kind.delay, Kind.exception, Kind.delivered, Kind.refund_paid})

_KIND_OF_EVENT = {
    EventType.shipment_delayed: Kind.delay,
    EventType.shipment_exception: Kind.exception,
    EventType.shipment_delivered: Kind.delivered,
    EventType.refund_paid: Kind.refund_paid,
}


class Outcome(str, Enum):
    send = "send"
    hold = "hold"
    suppress = "suppress"


class Reason(str, Enum):
    """Why a message was suppressed."""

    kind_off = "kind_off"
    duplicate = "duplicate"
    consent = "consent"
    asked_today = "asked_today"
    cap = "cap"


@dataclass(frozen=True)
class Decision:
    """The verdict on one message; ``not_before`` is when a held message is released."""

    outcome: Outcome
    reason: Reason | None = None
    not_before: dt.datetime | None = None

    def describe(self) -> str:
        """The verdict in words: "sent", "held until <UTC time>" or "suppressed: <reason>"."""
        if self.outcome is Outcome.send:
            return "sent"
        if self.outcome is Outcome.hold:
            assert self.not_before is not None
            return f"held until {self.not_before.isoformat()}"
        assert self.reason is not None
        return f"suppressed: {self.reason.value}"


@dataclass(frozen=True)
class Planned:
    """A message an event could lead to, not yet judged.

    Attributes:
        kind: What it is about.
        earliest: The soonest it may go (review and replenishment wait some days).
        detail: A non-personal detail the wording needs (the exception's reason), or "".
    """

    kind: Kind
    earliest: dt.datetime
    detail: str = ""


@dataclass(frozen=True)
class Contact:
    """Where a shopper agreed to hear from the merchant, and about what."""

    channel: Channel
    conversation_id: str
    kinds: frozenset[Kind]
    changed_at: dt.datetime


@dataclass(frozen=True)
class Facts:
    """What the store knows when a message is judged.

    Attributes:
        contact: The channel the message would go to (None: no consent for this kind).
        opted_out: The shopper texted STOP on that channel (channel state, checked again).
        others: Delivery times of the shopper's other messages that count towards the caps.
        inquiries: When the shopper asked about this order.
        duplicate: A message of this kind about this order was already sent or queued.
    """

    contact: Contact | None
    opted_out: bool = False
    others: Sequence[dt.datetime] = ()
    inquiries: Sequence[dt.datetime] = ()
    duplicate: bool = False


def plan(event: OrderEvent, settings: ProactiveSettings) -> list[Planned]:
    """The messages an order event could lead to, before any rule is applied.

    A delivery leads to up to three: the delivery news now, a review request some days
    later, and a replenishment reminder when an item is a consumable the merchant lists
    (the soonest of its categories: one reminder per order, not one per item). Kinds that
    are switched off are still planned, so the webhook's answer says why nothing went.
    """
    kind = _KIND_OF_EVENT.get(event.type)
    if kind is None:
        return []
    happened = event.happened_at
    planned = [Planned(kind, happened, event.exception.value if event.exception else "")]
    if kind is Kind.delivered:
        review = settings.kinds.review_request
        planned.append(
            Planned(Kind.review_request, happened + dt.timedelta(days=review.days_after_delivery))
        )
        days = replenish_after_days(event.item_categories, settings)
        if days is not None:
            planned.append(Planned(Kind.replenishment, happened + dt.timedelta(days=days)))
    return planned


def replenish_after_days(categories: Iterable[str], settings: ProactiveSettings) -> int | None:
    """Days until the first of the delivered consumables runs out; None if none is one."""
    table = settings.kinds.replenishment.days_by_category
    days = [table[c] for c in categories if c in table]
    return min(days) if days else None


def choose_contact(contacts: Iterable[Contact], kind: Kind) -> Contact | None:
    """The channel the shopper used most recently among those they agreed to for ``kind``.

    Consent is per channel and per kind: agreeing to delivery texts is not agreeing to
    review requests. The most recent contact is the one the shopper is most likely to read.
    """
    allowed = [c for c in contacts if kind in c.kinds]
    return max(allowed, key=lambda c: c.changed_at) if allowed else None


def in_quiet_hours(local: dt.time, quiet: QuietHours) -> bool:
    """Whether a local wall-clock time falls in the quiet hours (which may span midnight)."""
    if quiet.start < quiet.end:
        return quiet.start <= local < quiet.end
    return local >= quiet.start or local < quiet.end


def quiet_hours_end(at: dt.datetime, tz: ZoneInfo, quiet: QuietHours) -> dt.datetime | None:
    """When the quiet hours around ``at`` end (UTC), or None when ``at`` is not in them.

    Computed on the shopper's wall clock, so it follows daylight saving time. An end that
    falls in the hour clocks skip (spring) moves later by the skipped hour (02:30 → 03:30),
    never into what was meant to be quiet; one that falls in the hour clocks repeat (autumn)
    is its first occurrence after ``at``.
    """
    local = at.astimezone(tz)
    if not in_quiet_hours(local.time(), quiet):
        return None
    day = local.date() if local.time() < quiet.end else local.date() + dt.timedelta(days=1)
    wall = dt.datetime.combine(day, quiet.end, tzinfo=tz)
    first = wall.replace(fold=0).astimezone(UTC)
    # Only in a repeated hour can the first occurrence lie behind ``at``; the second cannot.
    return first if first > at else wall.replace(fold=1).astimezone(UTC)


def over_cap(at: dt.datetime, tz: ZoneInfo, others: Iterable[dt.datetime], caps: Caps) -> bool:
    """Whether one more message delivered at ``at`` would exceed a cap.

    Days are the shopper's calendar days (a day with a clock change is still one day); the
    week is the delivery day and the six before it, so no calendar boundary lets a burst
    through.
    """
    day = at.astimezone(tz).date()
    first = day - dt.timedelta(days=WEEK_DAYS - 1)
    days = [o.astimezone(tz).date() for o in others]
    same_day = sum(d == day for d in days)
    same_week = sum(first <= d <= day for d in days)
    return same_day >= caps.per_day or same_week >= caps.per_week


def asked_today(at: dt.datetime, tz: ZoneInfo, inquiries: Iterable[dt.datetime]) -> bool:
    """Whether the shopper asked about the order on the (local) day the message would arrive.

    They already have the news from the conversation; a message now would only repeat it.
    """
    day = at.astimezone(tz).date()
    return any(i.astimezone(tz).date() == day for i in inquiries)


def decide(
    kind: Kind,
    earliest: dt.datetime,
    now: dt.datetime,
    tz: ZoneInfo,
    settings: ProactiveSettings,
    facts: Facts,
) -> Decision:
    """Judge one message; the first rule that says no decides, in this order.

    1. kind_off: the merchant did not switch this kind on.
    2. duplicate: the same news was already sent or queued for this order.
    3. consent: no channel the shopper agreed to for this kind, or a STOP on it.
    4. quiet hours: the delivery time moves to their end (the message is held, never
       dropped); the remaining rules are judged at that time, which is when it arrives.
    5. asked_today: the shopper asked about this order on the day it would arrive.
    6. cap: the shopper's day or week is full.
    """
    if not settings.kinds.enabled(kind):
        return Decision(Outcome.suppress, Reason.kind_off)
    if facts.duplicate:
        return Decision(Outcome.suppress, Reason.duplicate)
    if facts.contact is None or facts.opted_out:
        return Decision(Outcome.suppress, Reason.consent)
    deliver_at = max(earliest, now)
    deliver_at = quiet_hours_end(deliver_at, tz, settings.quiet_hours) or deliver_at
    if asked_today(deliver_at, tz, facts.inquiries):
        return Decision(Outcome.suppress, Reason.asked_today)
    if over_cap(deliver_at, tz, facts.others, settings.caps):
        return Decision(Outcome.suppress, Reason.cap)
    if deliver_at > now:
        return Decision(Outcome.hold, not_before=deliver_at)
    return Decision(Outcome.send)


def messenger_mode(
    kind: Kind, last_shopper_message: dt.datetime | None, now: dt.datetime, tag: str | None
) -> tuple[str, str | None] | None:
    """How Messenger may carry this message: (messaging_type, tag), or None if it may not.

    Inside 24 hours of the shopper's last message a page may write freely; the message is
    sent of the page's own accord, not in answer to one, which the Send API calls ``UPDATE``
    (``RESPONSE`` is for answers). Outside it, only an update about the purchase, with the
    post-purchase tag the merchant configured; a review request or a reminder to buy again
    has no tag that allows it.
    """
    if last_shopper_message is not None and now - last_shopper_message < MESSENGER_WINDOW:
        return "UPDATE", None
    if tag and kind in TAGGABLE:
        return "MESSAGE_TAG", tag
    return None


def idempotency_key(tenant: str, order_id: str, kind: Kind) -> str:
    """The key of the one message of ``kind`` about an order: the same however often asked.

    Derived from ids only, so it reveals nothing and any process computes the same key.
    """
    digest = hashlib.sha256(f"{tenant}\n{order_id}\n{kind.value}".encode()).hexdigest()
    return f"pm-{digest[:32]}"
