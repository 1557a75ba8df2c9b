"""The tenant registry: what a merchant writes in channels/tenants.yml, validated at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from merchants.policy import load_policy
from merchants.tenants import DEFAULT_TENANTS_PATH, ReplyMode, load_registry, parse_registry


def _write(tmp_path: Path, change: Any) -> Path:
    raw = yaml.safe_load(DEFAULT_TENANTS_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "tenants.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_the_shipped_registry_is_valid_and_finds_tenants_by_webhook_path() -> None:
    registry = load_registry()
    name, tenant = registry.by_path("sms", "outdoor-7f3c") or ("", None)
    assert name == "outdoor" and tenant is not None and tenant.sms is not None
    assert tenant.sms.reply_mode is ReplyMode.rest
    assert registry.by_path("sms", "nobody") is None
    assert registry.by_path("webchat", "outdoor-7f3c") is None  # paths are per channel


def test_each_tenant_gets_its_own_policy_and_no_tenant_keeps_the_process_policy() -> None:
    assert load_policy(tenant="outdoor").merchant_name != load_policy().merchant_name
    assert load_policy(tenant="demo") == load_policy()
    assert load_policy(tenant="unknown-shop") == load_policy()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["tenants"]["demo"].update(policy="data/policy/nope.yml"), "does not exist"),
        (lambda r: r["tenants"]["demo"].update(faq="data/faq/nope.yml"), "FAQ file"),
        (lambda r: r["tenants"]["outdoor"]["sms"].update(path="demo"), "share a sms"),
        (lambda r: r["tenants"]["demo"]["sms"].update(path="Demo/x"), "lower-case"),
        (lambda r: r["tenants"]["demo"]["sms"].update(auth_token_env="my token"), "not an env"),
        (lambda r: r["tenants"]["demo"]["sms"].update(from_number="555-0100"), "from_number"),
        (lambda r: r["tenants"]["demo"]["sms"].update(reply_mode="email"), "reply_mode"),
        (lambda r: r["tenants"]["demo"].update(secret="in the file"), "extra fields"),
        (lambda r: r["sms_texts"].update(help="x" * 200), "fit one SMS"),
        (lambda r: r.update(tenants={}), "at least one tenant"),
        (
            lambda r: r["tenants"]["demo"]["webchat"].update(
                typing_delay={"min_ms": 2000, "max_ms": 500}
            ),
            "min_ms is above max_ms",
        ),
        (
            lambda r: r["tenants"]["demo"]["webchat"].update(typing_delay={"per_char_ms": -5}),
            "per_char_ms must be 0 to 100",
        ),
        (
            lambda r: r["tenants"]["demo"]["webchat"].update(typing_delay={"max_ms": 60_000}),
            "max_ms must be 0 to 10000",
        ),
        (
            lambda r: r["tenants"]["demo"]["webchat"].update(typing_delay={"min_ms": 2.5}),
            "not a valid integer",
        ),
        (
            lambda r: r["tenants"]["demo"]["webchat"].update(typing_delay={"max_ms": True}),
            "not a valid integer",
        ),
    ],
)
def test_a_mistake_in_the_registry_fails_loudly(tmp_path: Path, change: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_registry(_write(tmp_path, change))


def test_a_secret_that_is_not_set_stops_the_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    sms = load_registry().tenants["demo"].sms
    assert sms is not None
    monkeypatch.delenv(sms.auth_token_env, raising=False)
    from merchants.tenants import MissingSecret

    with pytest.raises(MissingSecret, match=sms.auth_token_env):
        sms.auth_token()
