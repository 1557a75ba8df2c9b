"""Prometheus: the scrape config and alert rules pass promtool, and the alerts fire as meant.

``promtool`` comes from Debian's prometheus package (``make test`` installs it:
scripts/install-promtool.sh). ``alerts_test.yml`` holds promtool's own rule unit tests:
each alert fires on series that should fire it and stays quiet on healthy ones.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from guardrails.rasa_defaults import read_env_file
from stack.settings import DEFAULTS_FILE
from tests.unit.deploy.manifests import ROOT
from webkit.metrics import REQUEST_ERRORS, REQUEST_SECONDS

PROMETHEUS = ROOT / "deploy" / "prometheus"
TOKEN_FILE = "/etc/prometheus/aftercare-metrics-token"
PORTS = {
    "rasa": ["RASA_PORT", "PROD_RASA_FIRST_PORT"],
    "actions": ["ACTION_PORT", "PROD_ACTION_FIRST_PORT"],
    "commerce": ["COMMERCE_PORT"],
    "desk": ["DESK_PORT"],
    "proactive": ["PROACTIVE_PORT"],
}


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    found = shutil.which("promtool") or "/usr/bin/promtool"
    if not Path(found).is_file():
        pytest.fail("promtool is missing: make test installs it (scripts/install-promtool.sh)")
    return subprocess.run([found, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def config() -> dict:
    return yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())


def test_the_scrape_config_passes_promtool(tmp_path: Path) -> None:
    """promtool also opens the token file: a copy points at a stand-in token."""
    token = tmp_path / "token"
    token.write_text("a-token\n")
    text = (PROMETHEUS / "prometheus.yml").read_text().replace(TOKEN_FILE, str(token))
    (tmp_path / "prometheus.yml").write_text(text)
    shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
    result = promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alert_rules_pass_promtool() -> None:
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 rules found" in result.stdout


def test_each_alert_fires_when_it_should_and_only_then() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_unit_test() -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tested = yaml.safe_load((PROMETHEUS / "alerts_test.yml").read_text())
    covered = {t["alertname"] for case in tested["tests"] for t in case["alert_rule_test"]}
    assert alerts == covered


def test_every_server_is_scraped_at_its_default_port_with_the_token() -> None:
    defaults = read_env_file(DEFAULTS_FILE)
    jobs = {job["job_name"]: job for job in config()["scrape_configs"]}
    assert set(jobs) == set(PORTS)
    for name, job in jobs.items():
        targets = {t for static in job["static_configs"] for t in static["targets"]}
        for port_name in PORTS[name]:
            assert f"127.0.0.1:{defaults[port_name]}" in targets, (name, port_name)
        assert job["authorization"]["credentials_file"] == TOKEN_FILE


def test_the_alerts_use_the_metrics_the_servers_export() -> None:
    text = (PROMETHEUS / "alerts.yml").read_text()
    for metric in (REQUEST_SECONDS._name, REQUEST_ERRORS._name):
        assert metric in text
