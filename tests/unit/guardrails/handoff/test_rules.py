"""The handoff rules file: validated at load, and the support hours the shopper is told."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from guardrails.handoff.rules import DEFAULT_RULES_PATH, Reason, parse_rules

SHIPPED: dict[str, Any] = yaml.safe_load(DEFAULT_RULES_PATH.read_text())


def write(tmp_path: Path, rules: dict[str, Any]) -> Path:
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules))
    return path


def test_the_shipped_rules_load_and_rank_safety_above_everything() -> None:
    rules = parse_rules(DEFAULT_RULES_PATH)
    assert max(Reason, key=rules.priority) is Reason.safety
    assert rules.priority(Reason.legal_threat) > rules.priority(Reason.asked_for_person)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"priorities": {"safety": 100}}, "no priority for"),
        ({"support_hours": {**SHIPPED["support_hours"], "timezone": "Mars/Olympus"}}, "time zone"),
        ({"support_hours": {**SHIPPED["support_hours"], "opens": "19:00"}}, "opens must be"),
        ({"support_hours": {**SHIPPED["support_hours"], "closes": "25:00"}}, "HH:MM"),
        ({"sentiment": {"compound_at_most": 0.5, "min_words": 4}}, "less than or equal"),
        ({"legal_words": []}, "at least 1"),
        ({"nlu_fallback_in_a_row": 2}, "extra fields"),
    ],
)
def test_a_broken_rules_file_fails_at_load_with_the_reason(
    tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=problem):
        parse_rules(write(tmp_path, {**SHIPPED, **change}))


def test_a_rules_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("- just a list\n")
    with pytest.raises(ValueError, match="mapping"):
        parse_rules(path)


EASTERN = dt.timezone(dt.timedelta(hours=-5))


@pytest.mark.parametrize(
    ("local_time", "is_open"),
    [
        (dt.datetime(2026, 12, 1, 9, 0, tzinfo=EASTERN), True),  # Tuesday, opening minute
        (dt.datetime(2026, 12, 1, 17, 59, tzinfo=EASTERN), True),
        (dt.datetime(2026, 12, 1, 18, 0, tzinfo=EASTERN), False),  # closing time
        (dt.datetime(2026, 12, 1, 8, 59, tzinfo=EASTERN), False),
        (dt.datetime(2026, 12, 5, 12, 0, tzinfo=EASTERN), False),  # Saturday
        (dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.timezone.utc), True),  # 10:00 in New York
    ],
)
def test_support_hours_follow_the_merchants_time_zone(
    local_time: dt.datetime, is_open: bool
) -> None:
    hours = parse_rules(DEFAULT_RULES_PATH).support_hours
    assert hours.is_open(local_time) is is_open


def test_hours_until_midnight_cover_the_whole_day(tmp_path: Path) -> None:
    always = {"timezone": "UTC", "days": ["sun"], "opens": "00:00", "closes": "24:00"}
    hours = parse_rules(write(tmp_path, {**SHIPPED, "support_hours": always})).support_hours
    assert hours.is_open(dt.datetime(2026, 11, 29, 23, 59, tzinfo=dt.timezone.utc))
    assert "sun 00:00-24:00 (UTC)" in hours.describe()


@pytest.mark.parametrize("attempts", [0, 11, "two"])
def test_the_injection_attempts_rule_is_validated(tmp_path: Path, attempts: object) -> None:
    with pytest.raises(pydantic.ValidationError, match="injection_attempts_before_handoff"):
        parse_rules(write(tmp_path, {**SHIPPED, "injection_attempts_before_handoff": attempts}))


def test_the_shipped_rules_hand_off_on_the_second_injection_attempt() -> None:
    rules = parse_rules(DEFAULT_RULES_PATH)
    assert rules.injection_attempts_before_handoff == 2
    assert rules.priority(Reason.prompt_injection) < rules.priority(Reason.safety)
