"""Settings from the environment: defaults, overrides, and loud failures on bad values."""

from __future__ import annotations

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
