"""The images' entry point refuses to start with a placeholder or a public secret.

``deploy/docker/preflight.py`` runs before every server; a Secret left as the template, or a
production pod holding ``stack/defaults.env``'s public values, must stop there.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.rasa_cli import parse_rasa_run
from tests.script_modules import module_from_file
from tests.unit.deploy.manifests import DEFAULTS, DOCKER, PLACEHOLDER, ROOT, exec_form

preflight = module_from_file(DOCKER / "preflight.py")
SERVER = ["python", "-m", "guardrails.launch", "desk"]
FILLED = {"AFTERCARE_ENV": "production", "DESK_API_TOKEN": "a-value-only-this-test-knows"}


def refusal(args: list[str], environ: dict[str, str]) -> str:
    with pytest.raises(preflight.Refused) as refused:
        preflight.check(args, environ, DEFAULTS)
    return str(refused.value)


def test_a_filled_environment_starts_the_server_unchanged() -> None:
    assert preflight.check(SERVER, FILLED, DEFAULTS) == SERVER


def test_a_placeholder_stops_the_start_naming_the_variable_only() -> None:
    environ = {**FILLED, "RASA_AUTH_TOKEN": PLACEHOLDER, "PGPASSWORD": PLACEHOLDER}
    message = refusal(SERVER, environ)
    assert "PGPASSWORD" in message and "RASA_AUTH_TOKEN" in message
    assert "DESK_API_TOKEN" not in message and FILLED["DESK_API_TOKEN"] not in message


def test_a_placeholder_inside_a_url_stops_the_start() -> None:
    url = f"postgresql://aftercare:{PLACEHOLDER}@db:5432/aftercare"
    assert "TRACKER_STORE_URL" in refusal(SERVER, {**FILLED, "TRACKER_STORE_URL": url})


@pytest.mark.parametrize(
    "name",
    [
        "RASA_AUTH_TOKEN",
        "DESK_TRANSCRIPT_KEY",
        "DESK_PASSWORD_ANA",
        "TWILIO_AUTH_TOKEN_DEMO",
        "MESSENGER_APP_SECRET_OUTDOOR",
    ],
)
def test_a_public_default_stops_a_production_start(name: str) -> None:
    message = refusal(SERVER, {**FILLED, name: DEFAULTS[name]})
    assert name in message and DEFAULTS[name] not in message


@pytest.mark.parametrize("name", ["LOCK_STORE_KEY_PREFIX", "LOCK_STORE_PORT", "RASA_PORT"])
def test_a_setting_at_its_default_is_no_secret(name: str) -> None:
    assert preflight.check(SERVER, {**FILLED, name: DEFAULTS[name]}, DEFAULTS) == SERVER


def test_a_public_default_is_accepted_outside_production() -> None:
    environ = {"AFTERCARE_ENV": "", "RASA_AUTH_TOKEN": DEFAULTS["RASA_AUTH_TOKEN"]}
    assert preflight.check(SERVER, environ, DEFAULTS) == SERVER


def test_a_command_argument_takes_its_value_from_the_environment() -> None:
    args = ["rasa", "run", "--auth-token=${RASA_AUTH_TOKEN}", "--cors", "${RASA_CORS}"]
    environ = {**FILLED, "RASA_AUTH_TOKEN": "t0ken", "RASA_CORS": "https://shop.example.com"}
    assert preflight.check(args, environ, DEFAULTS) == [
        "rasa",
        "run",
        "--auth-token=t0ken",
        "--cors",
        "https://shop.example.com",
    ]


def test_the_rasa_image_takes_an_auth_token_that_begins_with_a_dash() -> None:
    """A random token begins with "-" one time in 64: Rasa's parser must not read an option."""
    environ = {**FILLED, "RASA_AUTH_TOKEN": "-Xy_1", "RASA_CORS": "https://shop.example.com"}
    words = preflight.check(exec_form("CMD", "rasa"), environ, DEFAULTS)
    parsed = parse_rasa_run(words)
    assert parsed.auth_token == "-Xy_1"
    assert parsed.cors == ["https://shop.example.com"]


@pytest.mark.parametrize("value", [None, ""])
def test_an_argument_whose_variable_is_unset_or_empty_stops_the_start(value: str | None) -> None:
    """Rasa without its token would serve its HTTP API to anyone."""
    environ = dict(FILLED)
    if value is not None:
        environ["RASA_AUTH_TOKEN"] = value
    assert "RASA_AUTH_TOKEN" in refusal(["rasa", "--auth-token", "${RASA_AUTH_TOKEN}"], environ)


def test_no_command_is_refused() -> None:
    assert "usage" in refusal([], FILLED)


def _run(args: list[str], environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DOCKER / "preflight.py"), *args],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_server_replaces_the_preflight_with_its_arguments_expanded() -> None:
    program = "import sys; print('started with', sys.argv[1]); sys.exit(3)"
    done = _run([sys.executable, "-c", program, "${DESK_API_TOKEN}"], FILLED)
    assert done.returncode == 3, done.stderr
    assert done.stdout.strip() == f"started with {FILLED['DESK_API_TOKEN']}"


def test_a_refused_start_exits_2_and_starts_nothing() -> None:
    environ = {**FILLED, "COMMERCE_API_TOKEN": PLACEHOLDER}
    done = _run([sys.executable, "-c", "print('started')"], environ)
    assert done.returncode == 2
    assert "started" not in done.stdout
    assert "COMMERCE_API_TOKEN" in done.stderr
    assert FILLED["DESK_API_TOKEN"] not in done.stderr
