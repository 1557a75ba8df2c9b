"""Shared setup: the stack's local secrets, a fresh SQLite file per test, the stand-ins."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from merchants.proactive import Kind, ProactiveSettings
from proactive.store import ProactiveStore
from stack.settings import stack_env
from tests.integration.proactive.standins import RasaStandIn, TwilioStandIn
from tests.postgres import fresh_database

WEBHOOK_SECRET = "proactive-test-secret-demo"
UTC = dt.timezone.utc
SETTINGS = ProactiveSettings.parse_obj(
    {
        "webhook_secret_env": "PROACTIVE_WEBHOOK_SECRET_DEMO",
        "time_zone": "America/New_York",
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "caps": {"per_day": 2, "per_week": 5},
        "kinds": {
            "delay": {"enabled": True},
            "exception": {"enabled": True},
            "delivered": {"enabled": True},
            "refund_paid": {"enabled": True},
            "review_request": {"enabled": True, "days_after_delivery": 5},
            "replenishment": {"enabled": False},
        },
    }
)
ALL_KINDS = list(Kind)
PG_HOST, PG_PORT, PG_ROLES = "127.0.0.1", 5432, ("root", "postgres")


@pytest.fixture(autouse=True)
def secrets_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tenants' Twilio and Messenger secrets as the stack sets them, and the webhook's."""
    for name, value in stack_env().items():
        if name.startswith(("TWILIO_", "MESSENGER_", "AFTERCARE_")):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("PROACTIVE_WEBHOOK_SECRET_DEMO", WEBHOOK_SECRET)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'proactive.db'}"


@pytest.fixture
def store(sqlite_url: str) -> Iterator[ProactiveStore]:
    opened = ProactiveStore(sqlite_url)
    opened.create_schema()
    yield opened
    opened.close()


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    running = TwilioStandIn()
    running.start()
    yield running
    running.stop()


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    running = RasaStandIn()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this module (dropped afterwards)."""
    with fresh_database(f"proactive_{uuid.uuid4().hex[:10]}") as url:
        yield url
