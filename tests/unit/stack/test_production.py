"""Production mode refuses an unfit environment and renders configurations that hold no secret."""

from __future__ import annotations

import configparser
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from stack import production
from stack.__main__ import public_defaults_in_use, secret_names
from stack.settings import ROOT, read_env_file
from tests.rasa_cli import parse_rasa_run

FIT = {
    "TRACKER_STORE_URL": "postgresql://aftercare:pw@db:5432/tracker",
    "COMMERCE_DB_URL": "postgresql://aftercare:pw@db:5432/commerce",
    "DESK_DB_URL": "postgresql://aftercare:pw@db:5432/desk",
    "CHANNEL_STATE_DB_URL": "postgresql://aftercare:pw@db:5432/channels",
    "PROACTIVE_DB_URL": "postgresql://aftercare:pw@db:5432/proactive",
    "ANALYTICS_DB_URL": "postgresql://aftercare:pw@db:5432/analytics",
    "LOCK_STORE_TYPE": "redis",
    "LOCK_STORE_URL": "redis-host",
    "EVENT_BROKER": "pika",
    "EVENT_BROKER_URL": "rabbit-host",
    "EVENT_BROKER_PASSWORD": "broker-password",
}


def fit_env(tmp_path: Path) -> dict[str, str]:
    """Production settings with fresh secrets and a run folder under ``tmp_path``."""
    return production.production_env(
        {**FIT, **production.fresh_secrets(secret_names()), "PROD_RUN_DIR": str(tmp_path)}
    )


@dataclass(frozen=True)
class Supervisord:
    """Production mode's supervisord configuration, rendered for a fit environment."""

    env: dict[str, str]
    text: str
    config: configparser.RawConfigParser


@pytest.fixture
def supervisord(tmp_path: Path) -> Supervisord:
    env = fit_env(tmp_path)
    text = production.supervisord_config(production.Topology.from_env(env), "/usr/sbin/haproxy")
    config = configparser.RawConfigParser()
    config.read_string(text)
    return Supervisord(env, text, config)


def problems_of(env: dict[str, str]) -> list[str]:
    return production.production_problems(env, secret_names(), public_defaults_in_use(env))


def test_local_defaults_are_refused_one_reason_per_setting() -> None:
    problems = problems_of(production.production_env())
    assert "RASA_AUTH_TOKEN is the public local default" in problems
    assert "AFTERCARE_TRACKER_KEY is the public local default" in problems
    assert any(p.startswith("TRACKER_STORE_URL must be a postgresql:// URL") for p in problems)
    assert any(p.startswith("LOCK_STORE_TYPE=redis") for p in problems)
    assert any(p.startswith("EVENT_BROKER=pika") for p in problems)


def test_a_fit_environment_has_no_problem(tmp_path: Path) -> None:
    assert problems_of(fit_env(tmp_path)) == []


def test_the_backend_and_the_actions_reach_the_proactive_service(tmp_path: Path) -> None:
    env = fit_env(tmp_path)
    proactive = f"http://127.0.0.1:{env['PROACTIVE_PORT']}"
    assert env["AFTERCARE_PROACTIVE_URL"] == env["PROACTIVE_URL"] == proactive
    assert env["PROACTIVE_RASA_URL"] == f"http://127.0.0.1:{env['RASA_PORT']}"


def test_an_empty_secret_is_refused(tmp_path: Path) -> None:
    env = {**fit_env(tmp_path), "DESK_API_TOKEN": ""}
    assert problems_of(env) == ["DESK_API_TOKEN is empty"]


def test_a_refused_database_url_never_shows_its_password(tmp_path: Path) -> None:
    env = {**fit_env(tmp_path), "DESK_DB_URL": "mysql://desk:hunter2@db/desk"}
    (problem,) = problems_of(env)
    assert "hunter2" not in problem and "DESK_DB_URL" in problem


def test_fresh_secrets_are_new_and_fernet_keys_are_valid() -> None:
    defaults = read_env_file(ROOT / "stack" / "defaults.env")
    first, second = (production.fresh_secrets(secret_names()) for _ in range(2))
    assert all(first[name] != defaults.get(name) for name in first)
    assert all(first[name] != second[name] for name in first)
    for name in production.FERNET_KEYS:
        Fernet(first[name].encode())  # raises on a malformed key


@pytest.mark.parametrize("count", ["0", "two"])
def test_an_impossible_instance_count_is_refused(tmp_path: Path, count: str) -> None:
    with pytest.raises(production.ProductionError):
        production.Topology.from_env({**fit_env(tmp_path), "PROD_RASA_INSTANCES": count})


def test_haproxy_accepts_its_configuration_with_one_server_per_instance(tmp_path: Path) -> None:
    env = {**fit_env(tmp_path), "PROD_RASA_INSTANCES": "3"}
    topology = production.Topology.from_env(env)
    config = production.haproxy_config(topology)
    (tmp_path / "haproxy.cfg").write_text(config)
    checked = subprocess.run(
        [production.haproxy_binary(), "-c", "-f", str(tmp_path / "haproxy.cfg")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    for port in (5101, 5102, 5103):
        assert f"127.0.0.1:{port} check" in config
    assert "retry-on conn-failure" in config and "option httpchk GET /health" in config


def test_supervisord_runs_every_server_restarting_and_rotating_without_secrets(
    supervisord: Supervisord,
) -> None:
    parser = supervisord.config
    programs = {s.split(":", 1)[1] for s in parser.sections() if s.startswith("program:")}
    assert programs == {
        "commerce",
        "desk",
        "proactive",
        "haproxy",
        "rasa-1",
        "rasa-2",
        "actions-1",
        "actions-2",
    }
    for name in programs:
        section = parser[f"program:{name}"]
        assert section["autorestart"] == "true"
        assert section["stdout_logfile_maxbytes"] == "20MB"
        assert section["stopasgroup"] == "true"
    assert "%(ENV_RASA_AUTH_TOKEN)s" in parser["program:rasa-1"]["command"]
    secrets = [supervisord.env[name] for name in secret_names()]
    assert not [value for value in secrets if value in supervisord.text]


def test_supervisord_stops_the_rasa_servers_at_once_then_all_they_use_at_once(
    supervisord: Supervisord,
) -> None:
    dialogue = supervisord.config["group:dialogue"]
    services = supervisord.config["group:services"]
    assert set(dialogue["programs"].split(",")) == {"rasa-1", "rasa-2"}
    assert set(services["programs"].split(",")) == {
        "haproxy", "commerce", "desk", "proactive", "actions-1", "actions-2"
    }  # fmt: skip
    # supervisord stops the group of the highest priority first, and starts it last
    assert int(dialogue["priority"]) > int(services["priority"])
    assert production.supervised("rasa-2") == "dialogue:rasa-2"
    assert production.supervised("haproxy") == "services:haproxy"


def test_start_refuses_local_defaults_before_starting_anything(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stack", "prod", "start"],
        env={"PATH": "/usr/bin:/bin", "PROD_RUN_DIR": str(tmp_path)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "refusing to start production mode" in done.stderr
    assert "RASA_AUTH_TOKEN is the public local default" in done.stderr
    assert not (tmp_path / "supervisord.conf").exists()


def test_a_rasa_server_takes_an_auth_token_that_begins_with_a_dash(
    supervisord: Supervisord,
) -> None:
    """A random token begins with "-" one time in 64: Rasa's parser must not read an option."""
    command = supervisord.config["program:rasa-1"]["command"]
    command = command.replace("%(ENV_RASA_AUTH_TOKEN)s", "-Xy_1")
    words = shlex.split(command.replace("%(ENV_RASA_CORS)s", "http://localhost"))
    assert parse_rasa_run(words).auth_token == "-Xy_1"
