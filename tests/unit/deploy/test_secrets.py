"""Secrets reach the servers only from the Secret, and nothing in the manifests is a real one.

The Secret of the base is a template: every value is the placeholder ``REPLACE-ME`` (or empty,
for what is optional), and the images refuse to start while one is left
(deploy/docker/preflight.py, tests/unit/deploy/test_preflight.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from guardrails.rasa_defaults import read_env_file
from tests.unit.deploy.manifests import (
    DEFAULTS,
    K8S,
    OVERLAYS,
    PLACEHOLDER,
    containers,
    documents,
    generated,
    is_secret_variable,
    looks_like_a_secret,
    secret,
    secret_variables,
    settings,
    variables,
)

# Secrets a deployment may leave empty: the feature that reads them is off by default.
OPTIONAL = {
    "LLM_API_KEY": "generative replies are off (AFTERCARE_GENERATION=off)",
    "CHATWOOT_API_TOKEN": "the desk uses its own console (DESK_CONNECTOR=console)",
    "CHATWOOT_WEBHOOK_SECRET": "the desk uses its own console (DESK_CONNECTOR=console)",
}


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string value in a manifest, with where it is (names of things excluded)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("name", "namespace", "labels", "matchLabels", "selector"):
                continue
            yield from strings(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield path, node


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_value_is_the_placeholder_or_optional_and_empty(overlay: str) -> None:
    for key, value in secret(documents(overlay)).items():
        if key in OPTIONAL:
            assert value == "", f"{key} is optional: leave it empty in the template"
        else:
            assert value == PLACEHOLDER, f"{key} must be {PLACEHOLDER} in the template"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_value_in_the_manifests_looks_like_a_real_secret(overlay: str) -> None:
    docs = documents(overlay)
    found = []
    for doc in docs:
        for where, value in strings(doc):
            reason = looks_like_a_secret(value)
            if reason:
                found.append(f"{doc['kind']}/{doc['metadata']['name']}{where}: {reason}")
    for key, value in secret(docs).items():
        reason = looks_like_a_secret(value)
        if reason:
            found.append(f"Secret {key}: {reason}")
    assert not found, "\n".join(found)


def test_the_template_files_hold_no_real_secret() -> None:
    for path in sorted(K8S.rglob("*.env")):
        for key, value in read_env_file(path).items():
            assert looks_like_a_secret(value) is None, f"{path.name}: {key}"
            if is_secret_variable(key):
                assert value in (PLACEHOLDER, ""), f"{path.name}: {key} is not a placeholder"


# Credentials of every kind the check must catch, made up at each run (none is stored, none
# shows in a test's name).
REAL_LOOKING: dict[str, Callable[[], str]] = {
    "fernet key": lambda: Fernet.generate_key().decode(),
    "hex token": lambda: secrets.token_hex(32),
    "url-safe token": lambda: secrets.token_urlsafe(32),
    "database url with password": lambda: (
        f"postgresql://aftercare:{secrets.token_urlsafe(12)}@db.internal:5432/aftercare"
    ),
    "amqp url with password": lambda: f"amqp://guest:{secrets.token_urlsafe(12)}@rabbitmq:5672/",
    "twilio account sid": lambda: "AC" + secrets.token_hex(16),
    "api key": lambda: "sk-" + secrets.token_urlsafe(32),
}


@pytest.mark.parametrize("kind", sorted(REAL_LOOKING))
def test_the_check_catches_values_that_look_like_credentials(kind: str) -> None:
    assert looks_like_a_secret(REAL_LOOKING[kind]()) is not None


@pytest.mark.parametrize(
    "name", sorted(k for k, v in DEFAULTS.items() if v and k in secret_variables())
)
def test_the_check_catches_the_local_only_defaults(name: str) -> None:
    assert looks_like_a_secret(DEFAULTS[name]) is not None


@pytest.mark.parametrize(
    "value",
    [
        PLACEHOLDER,
        "",
        "postgresql://aftercare@aftercare-postgresql:5432/aftercare",
        "postgresql://aftercare:REPLACE-ME@aftercare-postgresql:5432/aftercare",
        "https://graph.facebook.com/v18.0",
        "demo=data/policy/demo.yml,outdoor=data/policy/tau-bench.yml",
        "registry.example.com/aftercare/rasa:0.1.0",
        "smollm2-135m-instruct",
        "guardrails/handoff/rules.yml",
    ],
)
def test_the_check_lets_settings_and_placeholders_through(value: str) -> None:
    assert looks_like_a_secret(value) is None


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_secret_variable_comes_from_the_secret(overlay: str) -> None:
    docs = documents(overlay)
    name = generated(docs, "Secret", "aftercare-secrets")["metadata"]["name"]
    keys = set(secret(docs))
    for where, container, _ in containers(docs):
        for variable in variables(docs, container).values():
            if not is_secret_variable(variable.name):
                continue
            assert variable.secret_key is not None, f"{where}: {variable.name} is not from a Secret"
            assert variable.secret_name == name, f"{where}: {variable.name}"
            assert variable.secret_key in keys, f"{where}: {variable.name} -> missing key"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_settings_hold_no_secret(overlay: str) -> None:
    held = [key for key in settings(documents(overlay)) if is_secret_variable(key)]
    assert not held, f"secrets in the ConfigMap: {held}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_key_of_the_secret_is_given_to_some_server(overlay: str) -> None:
    """A key nobody reads is a secret kept for nothing (or a misspelt reference)."""
    docs = documents(overlay)
    used = {
        variable.secret_key
        for _, container, _ in containers(docs)
        for variable in variables(docs, container).values()
    }
    assert set(secret(docs)) - used == set()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_container_gets_the_whole_secret(overlay: str) -> None:
    """Each server gets the secrets it reads, by name: envFrom would hand it all of them."""
    for where, container, _ in containers(documents(overlay)):
        assert not [s for s in container.get("envFrom", []) if "secretRef" in s], where
