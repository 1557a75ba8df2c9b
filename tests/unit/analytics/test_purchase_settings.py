"""Whose purchases the desk fetches, how often and from where; and that it asks over HTTP."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from analytics.live import purchase_sync
from analytics.purchases import DEFAULT_API_TOKEN, UnknownTenant, backend_of
from merchants.tenants import DEFAULT_TENANTS_PATH, load_registry
from stack.settings import DEFAULTS_FILE, read_env_file

DEFAULTS = read_env_file(DEFAULTS_FILE)
ANALYTICS = Path(__file__).resolve().parents[3] / "analytics"


@pytest.fixture
def own_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A tenants file in which ``outdoor`` has a backend of its own."""
    registry = yaml.safe_load(DEFAULT_TENANTS_PATH.read_text(encoding="utf-8"))
    registry["tenants"]["outdoor"]["commerce_api_url_env"] = "OUTDOOR_COMMERCE_URL"
    registry["tenants"]["outdoor"]["commerce_api_token_env"] = "OUTDOOR_COMMERCE_TOKEN"
    path = tmp_path / "tenants.yml"
    path.write_text(yaml.safe_dump(registry), encoding="utf-8")
    monkeypatch.setenv("AFTERCARE_TENANTS", str(path))
    load_registry.cache_clear()
    yield
    load_registry.cache_clear()


def test_the_embedded_default_fetches_every_tenant_every_five_minutes_from_its_backend() -> None:
    sync = purchase_sync(DEFAULTS)

    assert sync is not None
    assert (sync.interval_s, sync.window_days) == (300.0, 30)
    assert set(sync.backends) == {"demo", "outdoor"}
    for backend in sync.backends.values():
        assert (backend.url, backend.token) == (
            DEFAULTS["COMMERCE_API_URL"],
            DEFAULTS["COMMERCE_API_TOKEN"],
        )
        assert DEFAULTS["COMMERCE_API_TOKEN"] not in repr(backend)


@pytest.mark.parametrize(
    "env",
    [
        {"ANALYTICS_PURCHASES_S": "off"},
        {"ANALYTICS_PURCHASES_S": "0"},
        {"ANALYTICS_FOLLOW": "off"},
    ],
)
def test_nothing_is_fetched_when_told_not_to(env: dict[str, str]) -> None:
    assert purchase_sync({**DEFAULTS, **env}) is None


def test_the_interval_and_the_window_are_settings_and_a_bad_one_stops_the_start() -> None:
    sync = purchase_sync(
        {**DEFAULTS, "ANALYTICS_PURCHASES_S": "60", "ANALYTICS_ATTRIBUTION_DAYS": "7"}
    )
    assert sync is not None and (sync.interval_s, sync.window_days) == (60.0, 7)
    with pytest.raises(ValueError):
        purchase_sync({**DEFAULTS, "ANALYTICS_PURCHASES_S": "often"})
    with pytest.raises(ValueError):
        purchase_sync({**DEFAULTS, "ANALYTICS_ATTRIBUTION_DAYS": "400"})


@pytest.mark.usefixtures("own_backend")
def test_a_tenant_with_a_backend_of_its_own_is_asked_there() -> None:
    env = {"COMMERCE_API_URL": "http://shared:8060", "OUTDOOR_COMMERCE_URL": "http://outdoor:80"}
    env["OUTDOOR_COMMERCE_TOKEN"] = "outdoor-secret"

    assert backend_of("outdoor", env).url == "http://outdoor:80"
    assert backend_of("outdoor", env).token == "outdoor-secret"
    assert backend_of("demo", env).url == "http://shared:8060"
    assert backend_of("demo", env).token == DEFAULT_API_TOKEN
    with pytest.raises(UnknownTenant):
        backend_of("nobody", env)


def test_analytics_imports_nothing_of_the_commerce_backend() -> None:
    for module in sorted(ANALYTICS.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not [n for n in names if n.split(".")[0] in ("commerce", "actions")], module
