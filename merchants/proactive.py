"""The ``proactive:`` section of a merchant's policy file, as a validated model.

Each kind of message is switched on per tenant; quiet hours, caps and the webhook's secret
(the name of the environment variable holding it, never the value) sit beside them.
``merchants/policy.py`` embeds it as ``MerchantPolicy.proactive``; the proactive service reads
the section alone (:func:`settings_from_policy_file`), so it needs no other part of the policy.
It lives in ``merchants/``, below every layer that reads it: the channels, the actions and
the proactive service.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from enum import Enum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Extra, Field, root_validator, validator

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


# Messenger's tag for an update about a purchase, outside the 24-hour window.
DEFAULT_MESSENGER_TAG = "POST_PURCHASE_UPDATE"


class Kind(str, Enum):
    """What a proactive message is about; each is switched on per tenant."""

    delay = "delay"
    exception = "exception"  # lost parcel, failed delivery, address problem
    delivered = "delivered"
    refund_paid = "refund_paid"
    review_request = "review_request"
    replenishment = "replenishment"


class Channel(str, Enum):
    """Where a proactive message can reach a shopper (the channels' ``name()``)."""

    sms = "sms"
    messenger = "messenger"
    webchat = "socketio"


class MissingSecret(RuntimeError):
    """The webhook secret's environment variable is not set: the webhook cannot verify."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError for a name the zone database lacks."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone like 'America/New_York'") from exc


class QuietHours(_Strict):
    """Local times between which nothing is sent (``start`` may be after ``end``: overnight)."""

    start: dt.time
    end: dt.time

    @root_validator(skip_on_failure=True)
    def _not_empty(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["start"] == values["end"]:
            raise ValueError("quiet hours need a start and an end that differ")
        return values


class Caps(_Strict):
    """At most this many proactive messages per shopper per local day and per 7 local days."""

    per_day: int = Field(ge=1, le=10)
    per_week: int = Field(ge=1, le=50)

    @root_validator(skip_on_failure=True)
    def _week_holds_a_day(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["per_week"] < values["per_day"]:
            raise ValueError("per_week must be at least per_day")
        return values


class Switch(_Strict):
    enabled: bool = False


class ReviewRequest(Switch):
    days_after_delivery: int = Field(5, ge=1, le=60)


class Replenishment(Switch):
    # Item category (as the backend's events name it) → days after delivery to remind.
    days_by_category: dict[str, int] = {}

    @validator("days_by_category")
    def _categories(cls, value: dict[str, int]) -> dict[str, int]:  # noqa: N805
        for category, days in value.items():
            if not _CATEGORY.match(category):
                raise ValueError(f"{category!r} is not a category name (a-z, 0-9, _ and -)")
            if not 1 <= days <= 365:
                raise ValueError(f"{category}: days must be between 1 and 365")
        return value

    @root_validator(skip_on_failure=True)
    def _something_to_remind(cls, values: dict[str, Any]) -> dict[str, Any]:  # noqa: N805
        if values["enabled"] and not values["days_by_category"]:
            raise ValueError("replenishment is enabled but names no category")
        return values


class Kinds(_Strict):
    """Which messages the merchant sends; everything is off unless switched on."""

    delay: Switch = Switch()
    exception: Switch = Switch()
    delivered: Switch = Switch()
    refund_paid: Switch = Switch()
    review_request: ReviewRequest = ReviewRequest(days_after_delivery=5)
    replenishment: Replenishment = Replenishment()

    def enabled(self, kind: Kind) -> bool:
        switch: Switch = getattr(self, kind.value)
        return switch.enabled


class ProactiveSettings(_Strict):
    """One merchant's proactive messaging rules.

    Attributes:
        webhook_secret_env: Environment variable holding the HMAC secret of the tenant's
            event webhook.
        time_zone: The shoppers' zone when an event does not name the shopper's own.
        quiet_hours: Local hours in which messages are held, then released.
        caps: Messages per shopper per local day and per 7 local days.
        kinds: Which kinds are switched on.
        messenger_tag: The Messenger message tag used for order updates outside the 24-hour
            window (None: Messenger only inside the window).
    """

    webhook_secret_env: str
    time_zone: str = "UTC"
    quiet_hours: QuietHours = QuietHours(start=dt.time(21), end=dt.time(8))
    caps: Caps = Caps(per_day=2, per_week=5)
    kinds: Kinds = Kinds()
    messenger_tag: str | None = DEFAULT_MESSENGER_TAG

    @validator("webhook_secret_env")
    def _env_name(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value

    @validator("time_zone")
    def _known_zone(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        zone(value)
        return value

    def zone(self) -> ZoneInfo:
        return zone(self.time_zone)

    def webhook_secret(self) -> str:
        """The secret; raises MissingSecret (at start, not on the first event) when unset."""
        value = os.environ.get(self.webhook_secret_env, "")
        if not value:
            raise MissingSecret(f"environment variable {self.webhook_secret_env} is not set")
        return value


def settings_from_policy_file(path: Path) -> ProactiveSettings | None:
    """The ``proactive:`` section of a policy file, validated; None when it has none."""
    with path.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a policy file must be a mapping")
    section = raw.get("proactive")
    return None if section is None else ProactiveSettings.parse_obj(section)
