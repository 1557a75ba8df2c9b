"""The policy section and the event contract refuse what would otherwise misbehave silently."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from merchants.proactive import (
    Kind,
    MissingSecret,
    ProactiveSettings,
    settings_from_policy_file,
)
from proactive.events import OrderEvent
from tests.conftest import ROOT


def documented_section() -> dict[str, Any]:
    """The ``proactive:`` example in docs/proactive.md, which merchants copy."""
    text = (ROOT / "docs" / "proactive.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(proactive:\n.*?)```", text, re.DOTALL)
    assert block, "docs/proactive.md lost its proactive: example"
    parsed: dict[str, Any] = yaml.safe_load(block.group(1))
    return parsed


def test_the_documented_example_is_valid_and_switches_every_kind_on() -> None:
    settings = ProactiveSettings.parse_obj(documented_section()["proactive"])
    assert all(settings.kinds.enabled(kind) for kind in Kind)
    assert settings.zone().key == "America/New_York"


def test_every_kind_is_off_unless_switched_on() -> None:
    settings = ProactiveSettings(webhook_secret_env="PROACTIVE_WEBHOOK_SECRET_DEMO")
    assert not any(settings.kinds.enabled(kind) for kind in Kind)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"webhook_secret_env": "lower-case"}, "environment variable"),
        ({"time_zone": "Mars/Olympus"}, "IANA time zone"),
        ({"quiet_hours": {"start": "21:00", "end": "21:00"}}, "differ"),
        ({"caps": {"per_day": 3, "per_week": 2}}, "per_week"),
        ({"caps": {"per_day": 0, "per_week": 2}}, "per_day"),
        ({"kinds": {"replenishment": {"enabled": True}}}, "names no category"),
        (
            {"kinds": {"replenishment": {"enabled": True, "days_by_category": {"Coffee!": 3}}}},
            "category",
        ),
        ({"kinds": {"delays": {"enabled": True}}}, "extra fields not permitted"),
        ({"quiet_hour": {"start": "21:00", "end": "08:00"}}, "extra fields not permitted"),
    ],
)
def test_a_typo_or_an_impossible_rule_fails_loudly(change: dict[str, Any], problem: str) -> None:
    section = {**documented_section()["proactive"], **change}
    with pytest.raises(ValidationError, match=problem):
        ProactiveSettings.parse_obj(section)


def test_the_secret_comes_from_the_named_variable_and_its_absence_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = ProactiveSettings(webhook_secret_env="PROACTIVE_SECRET_UNIT")
    monkeypatch.delenv("PROACTIVE_SECRET_UNIT", raising=False)
    with pytest.raises(MissingSecret, match="PROACTIVE_SECRET_UNIT"):
        settings.webhook_secret()
    monkeypatch.setenv("PROACTIVE_SECRET_UNIT", "s3cret")
    assert settings.webhook_secret() == "s3cret"


def test_a_policy_file_without_the_section_has_no_proactive_messages(tmp_path: Path) -> None:
    path = tmp_path / "policy.yml"
    path.write_text("merchant_name: Shop\n", encoding="utf-8")
    assert settings_from_policy_file(path) is None
    path.write_text(yaml.safe_dump({"merchant_name": "Shop", **documented_section()}))
    found = settings_from_policy_file(path)
    assert found is not None and found.kinds.enabled(Kind.delay)


def test_the_repositorys_policy_files_still_read() -> None:
    for path in sorted((ROOT / "data" / "policy").glob("*.yml")):
        settings_from_policy_file(path)  # a section, when someone adds one, must be valid


# ---- the event contract --------------------------------------------------------------------

GOOD = {
    "event_id": "evt-1",
    "type": "shipment.delayed",
    "sent_at": "2026-06-10T16:00:00Z",
    "customer_id": "C-1001",
    "order_id": "AC-104233",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"sent_at": "2026-06-10T16:00:00"}, "UTC offset"),
        ({"order_id": None}, "needs order_id"),
        ({"type": "shipment.exception"}, "exception is required"),
        ({"exception": "lost"}, "exception is required"),
        ({"type": "shipment.exception", "exception": "eaten"}, "permitted"),
        ({"time_zone": "Eastern"}, "IANA"),
        ({"orderid": "AC-1"}, "extra fields not permitted"),
        ({"kinds": ["delay"]}, "for consent.updated"),
        ({"event_id": "evt 1; drop table"}, "string does not match"),
        ({"type": "order.teleported"}, "permitted"),
    ],
)
def test_an_event_outside_the_contract_is_refused(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        OrderEvent.parse_obj({**GOOD, **change})


CONSENT = {
    "event_id": "evt-c",
    "type": "consent.updated",
    "sent_at": "2026-06-10T16:00:00Z",
    "customer_id": "C-1001",
    "channel": "sms",
    "phone": "+12025550143",
    "kinds": ["delay", "delivered"],
    "granted": True,
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"phone": "202-555-0143"}, "E.164"),
        ({"channel": "messenger"}, "SMS shoppers only"),
        ({"phone": None}, "either phone"),
        ({"conversation_id": "sms:demo:x"}, "either phone"),
        ({"kinds": []}, "needs channel, kinds and granted"),
        ({"granted": None}, "needs channel, kinds and granted"),
    ],
)
def test_a_consent_event_must_say_who_where_and_what(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        OrderEvent.parse_obj({**CONSENT, **change})


def test_a_refused_phone_number_is_not_echoed_in_the_error() -> None:
    with pytest.raises(ValidationError) as caught:
        OrderEvent.parse_obj({**CONSENT, "phone": "202-555-0143"})
    assert "555" not in str(caught.value.errors())


def test_times_are_kept_in_utc_whatever_offset_they_came_with() -> None:
    event = OrderEvent.parse_obj({**GOOD, "sent_at": "2026-06-10T12:00:00-04:00"})
    assert event.sent_at.isoformat() == "2026-06-10T16:00:00+00:00"
    assert event.happened_at == event.sent_at
