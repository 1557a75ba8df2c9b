"""Small time helpers shared by the generators; every random draw goes through `rng`."""

from __future__ import annotations

import datetime as dt
import random

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def minute(value: dt.datetime) -> dt.datetime:
    """Drop seconds: stores and carriers report times to the minute."""
    return value.replace(second=0, microsecond=0)


def hours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    """A random duration between `low` and `high` hours."""
    return dt.timedelta(hours=rng.uniform(low, high))


def at(rng: random.Random, day: dt.date, earliest: float, latest: float) -> dt.datetime:
    """A random minute of `day` between `earliest` and `latest` o'clock (UTC)."""
    return minute(dt.datetime.combine(day, dt.time(0)) + hours(rng, earliest, latest))
