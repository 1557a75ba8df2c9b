"""What the deploy tests read: the rendered overlays, the Dockerfiles and the tools that check them.

Every overlay is rendered once per test session with ``kubectl kustomize``, the way an operator
renders it; a tool that is missing fails the test with what to install, never skips it.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from guardrails.rasa_defaults import SECRET_SUFFIXES, read_env_file
from merchants.proactive import settings_from_policy_file
from merchants.tenants import parse_registry
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKER = DEPLOY / "docker"
OVERLAYS = sorted(
    path.name for path in (K8S / "overlays").iterdir() if (path / "kustomization.yaml").is_file()
)
DEFAULTS = read_env_file(ROOT / "stack" / "defaults.env")
PLACEHOLDER = "REPLACE-ME"
# The Kubernetes release the manifests are checked against: the kubectl here is 1.32.
KUBERNETES_VERSION = "1.32.0"
KUBERNETES_VALIDATE = ROOT / ".venv" / "deploy-tools" / "bin" / "kubernetes-validate"
HADOLINT = ROOT / ".venv" / "bin" / "hadolint"

# Each server: its Deployment, its container, the stack's name for it (stack/processes.py) and
# its Dockerfile.
SERVERS = {
    "rasa": "rasa server",
    "actions": "action server",
    "commerce": "commerce backend",
    "desk": "agent desk",
    "proactive": "proactive messages",
}


def deployment_name(server: str) -> str:
    return f"aftercare-{server}"


def dockerfile(server: str) -> Path:
    return DOCKER / f"{server}.Dockerfile"


def tool(path: Path, install: str) -> str:
    """The path of a checking tool, or a failed test saying how to install it."""
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: {install}")
    return str(path)


def kubectl() -> str:
    found = shutil.which("kubectl") or "/usr/bin/kubectl"
    if not Path(found).is_file():
        pytest.fail("kubectl is missing: it renders the overlays (kubectl kustomize)")
    return found


@cache
def rendered(directory: Path) -> str:
    """``kubectl kustomize DIRECTORY``: the manifests an operator would apply."""
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"kubectl kustomize {directory} failed:\n{done.stderr}"
    return done.stdout


def documents(overlay: str) -> list[dict[str, Any]]:
    """The rendered overlay as one dict per manifest."""
    text = rendered(K8S / "overlays" / overlay)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in of_kind(docs, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def generated(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """A ConfigMap or Secret of a generator: its name carries a hash of its content."""
    found = [
        doc
        for doc in of_kind(docs, kind)
        if re.fullmatch(rf"{name}-[a-z0-9]{{10}}", doc["metadata"]["name"])
    ]
    assert len(found) == 1, f"expected one generated {kind} {name}-<hash>, found {len(found)}"
    return found[0]


def settings(docs: list[dict[str, Any]]) -> dict[str, str]:
    """The ConfigMap every server reads its settings from."""
    return dict(generated(docs, "ConfigMap", "aftercare-settings").get("data") or {})


def secret(docs: list[dict[str, Any]]) -> dict[str, str]:
    """The Secret's values, decoded."""
    data = generated(docs, "Secret", "aftercare-secrets").get("data") or {}
    return {key: base64.b64decode(value).decode("utf-8") for key, value in data.items()}


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(kind/name, pod spec) of every workload: Deployments and the seed CronJob."""
    for doc in docs:
        spec = doc.get("spec") or {}
        if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            yield f"{doc['kind']}/{doc['metadata']['name']}", spec["template"]["spec"]
        elif doc["kind"] == "CronJob":
            pod = spec["jobTemplate"]["spec"]["template"]["spec"]
            yield f"CronJob/{doc['metadata']['name']}", pod


def containers(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(kind/name/container, container, pod spec) of every container, init containers too."""
    for where, pod in pod_specs(docs):
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            yield f"{where}/{container['name']}", container, pod


def server_container(docs: list[dict[str, Any]], server: str) -> dict[str, Any]:
    """The container of a server's Deployment (one per pod)."""
    pod = named(docs, "Deployment", deployment_name(server))["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["containers"]] == [server]
    container: dict[str, Any] = pod["containers"][0]
    return container


def template_labels(doc: dict[str, Any]) -> list[dict[str, str]]:
    """The labels of a workload's pods (Deployments and the seed CronJob), none for the rest."""
    spec = doc.get("spec") or {}
    if doc["kind"] == "Deployment":
        return [spec["template"]["metadata"]["labels"]]
    if doc["kind"] == "CronJob":
        return [spec["jobTemplate"]["spec"]["template"]["metadata"]["labels"]]
    return []


def workloads_picked(
    templates: list[tuple[str, dict[str, str]]], selector: dict[str, str]
) -> list[str]:
    """The workloads whose pods a label selector matches."""
    return [name for name, labels in templates if selector.items() <= labels.items()]


# --- network policies ----------------------------------------------------------------------------


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A pod selector of a policy against a pod's labels (``{}`` selects every pod)."""
    assert set(selector) <= {"matchLabels"}, f"only matchLabels is read here: {selector}"
    wanted: dict[str, str] = selector.get("matchLabels") or {}
    return wanted.items() <= labels.items()


def _pod_labels(docs: list[dict[str, Any]], server: str) -> dict[str, str]:
    (labels,) = template_labels(named(docs, "Deployment", deployment_name(server)))
    return labels


def _policies(docs: list[dict[str, Any]], server: str, direction: str) -> list[dict[str, Any]]:
    """The NetworkPolicies that restrict the server's pods in one direction."""
    labels = _pod_labels(docs, server)
    return [
        policy
        for policy in of_kind(docs, "NetworkPolicy")
        if direction in policy["spec"].get("policyTypes", ["Ingress"])
        and _selects(policy["spec"]["podSelector"], labels)
    ]


def _opens(rule: dict[str, Any], port: dict[str, Any]) -> bool:
    """Whether a rule's ports (none: every port) include a container port, by name or number."""
    ports = rule.get("ports") or [{}]
    return any(
        entry.get("protocol", "TCP") == port.get("protocol", "TCP")
        and entry.get("port", port["containerPort"]) in (port.get("name"), port["containerPort"])
        for entry in ports
    )


def _peers_include(peers: list[dict[str, Any]] | None, labels: dict[str, str]) -> bool:
    """Whether a rule's peers (none: everyone) include a pod of this namespace with ``labels``.

    Only a bare ``podSelector`` names this namespace's pods: a ``namespaceSelector`` names
    other namespaces here, and an ``ipBlock`` is meant for addresses outside the cluster.
    """
    if not peers:
        return True
    return any(
        set(peer) == {"podSelector"} and _selects(peer["podSelector"], labels) for peer in peers
    )


def admits(docs: list[dict[str, Any]], server: str, caller: str) -> bool:
    """Whether the server's network policies (if any) let the caller's pods open its port."""
    policies = _policies(docs, server, "Ingress")
    (port,) = server_container(docs, server)["ports"]
    caller_labels = _pod_labels(docs, caller)
    return not policies or any(
        _opens(rule, port) and _peers_include(rule.get("from"), caller_labels)
        for policy in policies
        for rule in policy["spec"].get("ingress") or []
    )


def may_send(docs: list[dict[str, Any]], caller: str, server: str) -> bool:
    """Whether the caller's network policies (if any) let it reach the server by its Service:
    the server's pods on their port, and the cluster's DNS to resolve the Service's name."""
    policies = _policies(docs, caller, "Egress")
    if not policies:
        return True
    rules = [rule for policy in policies for rule in policy["spec"].get("egress") or []]
    (port,) = server_container(docs, server)["ports"]
    dns = {"name": "dns", "containerPort": 53, "protocol": "UDP"}
    return any(
        _opens(rule, port) and _peers_include(rule.get("to"), _pod_labels(docs, server))
        for rule in rules
    ) and any(_opens(rule, dns) for rule in rules)


@dataclass(frozen=True)
class Variable:
    """One environment variable of a container and where its value comes from."""

    name: str
    literal: str | None = None  # value: ...
    secret_key: str | None = None  # valueFrom.secretKeyRef (the Secret's key)
    secret_name: str | None = None
    config_map: str | None = None  # from a ConfigMap (envFrom or configMapKeyRef)


def variables(docs: list[dict[str, Any]], container: dict[str, Any]) -> dict[str, Variable]:
    """Every variable a container gets, as Kubernetes resolves them (``env`` wins over envFrom)."""
    found: dict[str, Variable] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"]
            for key in named(docs, "ConfigMap", name).get("data") or {}:
                found[key] = Variable(key, config_map=name)
        if "secretRef" in source:
            name = source["secretRef"]["name"]
            for key in named(docs, "Secret", name).get("data") or {}:
                found[key] = Variable(key, secret_key=key, secret_name=name)
    for entry in container.get("env", []):
        origin = entry.get("valueFrom") or {}
        if "secretKeyRef" in origin:
            ref = origin["secretKeyRef"]
            found[entry["name"]] = Variable(
                entry["name"], secret_key=ref["key"], secret_name=ref["name"]
            )
        elif "configMapKeyRef" in origin:
            found[entry["name"]] = Variable(
                entry["name"], config_map=origin["configMapKeyRef"]["name"]
            )
        else:
            found[entry["name"]] = Variable(entry["name"], literal=str(entry.get("value", "")))
    return found


# --- which variables hold secrets --------------------------------------------------------------


@cache
def webhook_secrets() -> frozenset[str]:
    """The variables the merchants' policies name for their proactive event webhooks.

    Each policy of ``MERCHANT_POLICIES`` (the local defaults' and the deployed settings')
    with a ``proactive:`` section names one (``webhook_secret_env``); the proactive service
    refuses to start without it.
    """
    deployed = read_env_file(K8S / "base" / "settings.env")
    paths = {
        entry.partition("=")[2]
        for policies in (DEFAULTS["MERCHANT_POLICIES"], deployed["MERCHANT_POLICIES"])
        for entry in policies.split(",")
    }
    names = set()
    for path in sorted(paths):
        section = settings_from_policy_file(ROOT / path)
        if section is not None:
            names.add(section.webhook_secret_env)
    return frozenset(names)


@cache
def secret_variables() -> frozenset[str]:
    """Every variable the servers read a secret from, as the project's own files name them.

    By name (``*_KEY``, ``*_SECRET``, ``*_TOKEN``, ``*_PASSWORD``, as ``stack check`` and
    ``guardrails.rasa_defaults`` decide), PostgreSQL's ``PGPASSWORD``, every variable a tenant
    names for a channel credential (``channels/tenants.yml``: Twilio's account SID too), and
    the proactive webhooks' secrets the policies name.
    """
    names = {name for name in DEFAULTS if name.endswith(SECRET_SUFFIXES)}
    names.add("PGPASSWORD")
    names |= webhook_secrets()
    for tenant in parse_registry(ROOT / "channels" / "tenants.yml").tenants.values():
        if tenant.sms is not None:
            names |= {tenant.sms.account_sid_env, tenant.sms.auth_token_env}
        if tenant.messenger is not None:
            messenger = tenant.messenger
            names |= {
                messenger.app_secret_env,
                messenger.verify_token_env,
                messenger.page_token_env,
            }
    return frozenset(names)


@cache
def public_defaults() -> frozenset[str]:
    """The local-only secret values of ``stack/defaults.env``: public, never for a deployment."""
    return frozenset(
        value for key, value in DEFAULTS.items() if value and key in secret_variables()
    )


def is_secret_variable(name: str) -> bool:
    return name in secret_variables() or name.endswith(SECRET_SUFFIXES) or "PASSWORD" in name


# --- what a real secret looks like ------------------------------------------------------------

# Shapes of credentials (prefixes of well-known issuers, key files, JWTs, Fernet keys).
SECRET_SHAPES = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"),  # OpenAI-style API keys
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),  # GitHub tokens
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"\bEAA[A-Za-z0-9]{30,}"),  # Meta (Messenger) page tokens
    re.compile(r"\bAC[0-9a-f]{32}\b"),  # Twilio account SID
    re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."),  # a JWT
    re.compile(r"^[A-Za-z0-9_-]{43}=$"),  # a Fernet key
)
TOKEN = re.compile(r"[A-Za-z0-9+/_=-]{24,}")
HEX = re.compile(r"[0-9a-f]{32,}")
IMAGE_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}")


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    from math import log2

    counts = {char: text.count(char) for char in set(text)}
    return -sum(n / len(text) * log2(n / len(text)) for n in counts.values())


def looks_like_a_secret(value: str) -> str | None:
    """Why ``value`` looks like a real credential, or None.

    A credential in a URL (``scheme://user:password@host``) other than the placeholder, a
    value from ``stack/defaults.env``'s local-only secrets, a known credential shape, or a long
    random-looking token (more than 4 bits of entropy a character, or 3 for hex digits).
    """
    if not value or value == PLACEHOLDER:
        return None
    for part in re.findall(r"[a-z][a-z0-9+.-]*://[^\s,]+", value):
        password = urlsplit(part).password
        if password and password != PLACEHOLDER:
            return "a URL with a password"
    if value in public_defaults():
        return "a local-only default from stack/defaults.env"
    for shape in SECRET_SHAPES:
        if shape.search(value):
            return f"the shape of a credential ({shape.pattern})"
    value = IMAGE_DIGEST.sub("", value)  # an image's digest names it, it opens nothing
    for token in TOKEN.findall(value):
        # a word or path has no digits; a random token has some (or is long enough to tell)
        mixed = bool(re.search(r"[A-Za-z]", token) and re.search(r"\d", token))
        if (mixed or len(token) >= 32) and _entropy(token) > 4.0:
            return "a long random-looking token"
        # hex digits carry 4 bits at most
        if mixed and HEX.fullmatch(token) and _entropy(token) > 3.0:
            return "a long random-looking hex token"
    return None


# --- Dockerfiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str
    stage: int  # 0 for the first FROM's stage


def instructions(path: Path) -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    found: list[Instruction] = []
    stage = -1
    for line in joined:
        keyword, _, arguments = line.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        found.append(Instruction(keyword.upper(), arguments.strip(), stage))
    return found


def final_stage(path: Path) -> list[Instruction]:
    every = instructions(path)
    last = max(i.stage for i in every)
    return [i for i in every if i.stage == last]


def exec_form(keyword: str, server: str) -> list[str]:
    """The JSON array of an image's ENTRYPOINT or CMD (exec form, as hadolint wants)."""
    (found,) = (i for i in final_stage(dockerfile(server)) if i.keyword == keyword)
    value: list[str] = json.loads(found.arguments)
    return value


def health_path(server: str) -> str:
    """The path the stack's supervisor asks to know the server is up (stack/processes.py)."""
    from stack.processes import Stack

    stack = Stack(log_dir=ROOT / "var" / "log")
    return urlsplit(stack.service(SERVERS[server]).health_url).path or "/"
