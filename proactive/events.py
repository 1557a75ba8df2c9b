"""What the backend posts to the proactive webhook: one JSON object per event.

The same contract serves the reference backend and a merchant's own order system. A field
the contract does not know is refused rather than ignored, so a misspelt ``order_id`` is a
clear 400 instead of a message that silently never goes. A phone number (``consent.updated``
for SMS) is sealed the moment it is read and is never stored, logged or echoed.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Any

from pydantic import BaseModel, Extra, Field, root_validator, validator

from merchants.proactive import Channel, Kind, zone

_ID = r"^[A-Za-z0-9][A-Za-z0-9#._:-]{0,99}$"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class EventType(str, Enum):
    shipment_delayed = "shipment.delayed"
    shipment_exception = "shipment.exception"
    shipment_delivered = "shipment.delivered"
    refund_paid = "refund.paid"
    consent_updated = "consent.updated"


class ExceptionReason(str, Enum):
    """What went wrong with a parcel (``shipment.exception``)."""

    lost = "lost"
    failed_delivery = "failed_delivery"
    address_problem = "address_problem"


ORDER_EVENTS = frozenset(
    {
        EventType.shipment_delayed,
        EventType.shipment_exception,
        EventType.shipment_delivered,
        EventType.refund_paid,
    }
)


class OrderEvent(BaseModel):
    """One event, validated.

    Attributes:
        event_id: Unique per event at the sender; a second delivery of it is refused.
        type: What happened.
        sent_at: When the sender signed the body (ISO 8601 with an offset); covered by the
            signature, so a captured body cannot be replayed later with a fresh time.
        occurred_at: When it happened (default: ``sent_at``); review and replenishment
            reminders count their days from the delivery's ``occurred_at``.
        customer_id, order_id: The backend's ids; no other personal data is needed.
        time_zone: The shopper's IANA zone, when the backend knows it (from the address).
        exception: For ``shipment.exception``: lost, failed_delivery or address_problem.
        item_categories: For ``shipment.delivered``: the categories of the items, for
            replenishment reminders.
        channel, phone, conversation_id, kinds, granted: For ``consent.updated``: the
            shopper agreed (or no longer agrees) to hear about ``kinds`` on ``channel``,
            reached by ``phone`` (SMS, sealed at once) or an existing ``conversation_id``.
    """

    class Config:
        extra = Extra.forbid
        allow_mutation = False

    event_id: str = Field(regex=_ID)
    type: EventType
    sent_at: dt.datetime
    occurred_at: dt.datetime | None = None
    customer_id: str = Field(regex=_ID)
    order_id: str | None = Field(None, regex=_ID)
    time_zone: str | None = None
    exception: ExceptionReason | None = None
    item_categories: list[str] = Field(default_factory=list, max_items=50)
    channel: Channel | None = None
    phone: str | None = None
    conversation_id: str | None = Field(None, max_length=255)
    kinds: list[Kind] = Field(default_factory=list)
    granted: bool | None = None

    @validator("sent_at", "occurred_at")
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:  # noqa: N805
        if value is not None and value.utcoffset() is None:
            raise ValueError("a time needs its UTC offset, e.g. 2026-11-20T14:03:00Z")
        return value.astimezone(dt.timezone.utc) if value is not None else None

    @validator("time_zone")
    def _zone(cls, value: str | None) -> str | None:  # noqa: N805 - pydantic validator
        if value is not None:
            zone(value)
        return value

    @validator("phone")
    def _e164(cls, value: str | None) -> str | None:  # noqa: N805 - pydantic validator
        if value is not None and not _E164.match(value):
            raise ValueError("phone must be in E.164 form: + then the country code and number")
        return value

    @root_validator(skip_on_failure=True)
    def _fields_of_the_type(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        kind = values["type"]
        if kind in ORDER_EVENTS and not values.get("order_id"):
            raise ValueError(f"{kind.value} needs order_id")
        if (kind is EventType.shipment_exception) != (values.get("exception") is not None):
            raise ValueError("exception is required for shipment.exception and only there")
        if kind is EventType.consent_updated:
            _check_consent(values)
        elif any(values.get(k) for k in ("channel", "phone", "conversation_id", "kinds")):
            raise ValueError("channel, phone, conversation_id and kinds are for consent.updated")
        return values

    @property
    def happened_at(self) -> dt.datetime:
        return self.occurred_at or self.sent_at


def _check_consent(values: dict[str, Any]) -> None:
    if values.get("channel") is None or values.get("granted") is None or not values.get("kinds"):
        raise ValueError("consent.updated needs channel, kinds and granted")
    has_phone, has_conversation = bool(values.get("phone")), bool(values.get("conversation_id"))
    if has_phone == has_conversation:
        raise ValueError("consent.updated needs either phone (SMS) or conversation_id")
    if has_phone and values["channel"] is not Channel.sms:
        raise ValueError("phone identifies SMS shoppers only")
