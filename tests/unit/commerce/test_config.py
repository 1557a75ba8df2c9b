"""Settings from the environment: defaults, overrides, and loud failures on bad values."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from commerce.config import DEFAULT_API_TOKEN, CommerceConfig


def test_when_nothing_is_set_then_local_defaults_apply() -> None:
    config = CommerceConfig.from_env({})

    assert config.db_url == "sqlite:///var/commerce.db"
    assert config.host == "127.0.0.1"
    assert config.port == 8060
    assert config.api_token == DEFAULT_API_TOKEN == "dev-commerce-token"
    assert config.base_url == "http://127.0.0.1:8060"


def test_when_variables_are_set_then_they_override_the_defaults() -> None:
    config = CommerceConfig.from_env(
        {
            "COMMERCE_DB_URL": "sqlite:////tmp/x.db",
            "COMMERCE_HOST": "0.0.0.0",
            "COMMERCE_PORT": "9000",
            "COMMERCE_API_TOKEN": "s3cret",
            "UNRELATED": "ignored",
        }
    )

    assert (config.db_url, config.host, config.port, config.api_token) == (
        "sqlite:////tmp/x.db",
        "0.0.0.0",
        9000,
        "s3cret",
    )


@pytest.mark.parametrize(
    "environ",
    [
        {"COMMERCE_PORT": "eighty"},
        {"COMMERCE_PORT": "0"},
        {"COMMERCE_PORT": "70000"},
        {"COMMERCE_API_TOKEN": "   "},
        {"COMMERCE_DB_URL": ""},
        {"COMMERCE_MAX_BODY_BYTES": "10"},
    ],
)
def test_when_a_variable_is_invalid_then_loading_fails_loudly(environ: dict[str, str]) -> None:
    with pytest.raises(pydantic.ValidationError):
        CommerceConfig.from_env(environ)


def test_when_host_is_ipv6_then_base_url_brackets_it() -> None:
    assert CommerceConfig(host="::1").base_url == "http://[::1]:8060"


DEMO_POLICY = "data/policy/demo.yml"
OUTDOOR_POLICY = "data/policy/tau-bench.yml"


def test_when_no_merchants_are_named_then_the_backend_serves_one() -> None:
    assert CommerceConfig.from_env({}).merchant_policies == {}
    assert CommerceConfig.from_env({"MERCHANT_POLICIES": "  "}).merchant_policies == {}


def test_when_merchants_are_named_then_each_gets_its_policy_file() -> None:
    config = CommerceConfig.from_env(
        {"MERCHANT_POLICIES": f" demo = {DEMO_POLICY} , outdoor-7f3c={OUTDOOR_POLICY}"}
    )

    assert config.merchant_policies == {"demo": DEMO_POLICY, "outdoor-7f3c": OUTDOOR_POLICY}


def test_the_local_defaults_name_both_tenants_of_the_demo_backend() -> None:
    from stack.settings import DEFAULTS_FILE, read_env_file

    defaults = read_env_file(DEFAULTS_FILE)
    config = CommerceConfig.from_env(defaults)

    assert config.merchant_policies == {"demo": DEMO_POLICY, "outdoor": OUTDOOR_POLICY}
    assert config.merchant_policy == DEMO_POLICY


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (DEMO_POLICY, "is not merchant=path"),
        (f"demo={DEMO_POLICY};outdoor={OUTDOOR_POLICY}", "does not exist"),
        (f"demo={DEMO_POLICY},", "is not merchant=path"),
        (f"={DEMO_POLICY}", "is not merchant=path"),
        ("demo=", "is not merchant=path"),
        (f"Demo={DEMO_POLICY}", "lower-case letters, digits and dashes"),
        (f"demo={DEMO_POLICY},demo={OUTDOOR_POLICY}", "named twice"),
        ("demo=data/policy/no-such-merchant.yml", "does not exist"),
    ],
)
def test_when_the_merchant_list_is_malformed_then_loading_fails_with_the_reason(
    value: str, reason: str
) -> None:
    with pytest.raises(pydantic.ValidationError) as error:
        CommerceConfig.from_env({"MERCHANT_POLICIES": value})

    assert "merchant_policies" in str(error.value)
    assert reason in str(error.value)


def test_when_the_merchant_list_is_malformed_then_the_backend_does_not_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from commerce.__main__ import main

    monkeypatch.setenv("MERCHANT_POLICIES", "demo:data/policy/demo.yml")

    assert main() == 2
    assert "is not merchant=path" in caplog.text


def test_when_a_merchant_policy_file_is_invalid_then_the_backend_does_not_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from commerce.__main__ import main

    broken = tmp_path / "broken.yml"
    broken.write_text("recommendations:\n  price_band: {min_ratio: 2, max_ratio: 1}\n")
    monkeypatch.setenv("MERCHANT_POLICIES", f"demo={DEMO_POLICY},outdoor={broken}")

    assert main() == 2
    assert f"policy file {broken} (merchant 'outdoor')" in caplog.text
    assert "min_ratio must be below max_ratio" in caplog.text
