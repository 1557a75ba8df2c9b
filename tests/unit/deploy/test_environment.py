"""Each server's pod gets every variable that server reads, with production values.

What a server reads comes from the project's own files where they say it: ``endpoints.yml``
and ``credentials.yml`` (Rasa refuses to start while a variable they name is unset), the
tenants' channel secrets (``channels/tenants.yml``), the PII keys (``guardrails/pii.yml``), the
agents' passwords (``desk/agents.yml``), the proactive webhooks' secrets (the policies'
``webhook_secret_env``), the ``${NAME}`` arguments of each image's command; the rest from
reading each server's code. Every key of ``stack/defaults.env`` is either set in the manifests
or named below as deliberately left out.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from merchants.tenants import parse_registry
from stack.production import DATABASE_URLS
from tests.unit.deploy.manifests import (
    DEFAULTS,
    OVERLAYS,
    ROOT,
    SERVERS,
    admits,
    containers,
    deployment_name,
    dockerfile,
    documents,
    final_stage,
    instructions,
    may_send,
    named,
    of_kind,
    secret_variables,
    server_container,
    settings,
    variables,
    webhook_secrets,
)

# Read by every server: the launcher scrubs their logs with the PII engine (guardrails/launch.py),
# whose pseudonyms need the key, and serves /metrics behind the token (webkit/metrics.py);
# production mode refuses local defaults (rasa_defaults.py).
EVERY_SERVER = {"AFTERCARE_ENV", "AFTERCARE_PII_PSEUDONYM_KEY", "METRICS_TOKEN"}
# From reading each server's code (its config or the modules it imports).
READ_BY = {
    "rasa": {
        "RASA_AUTH_TOKEN",  # --auth-token of the HTTP API
        "RASA_CORS",
        "AFTERCARE_TENANTS",  # channels/common.py
        "AFTERCARE_CHANNEL_SECRET",  # signs what a channel verified (merchants/identity.py)
        "CHANNEL_STATE_DB_URL",  # SMS consent and menus (channels/state.py)
        "PGPASSWORD",  # the role of the tracker, the channel state and the proactive tables
        "MERCHANT_POLICY",  # the outage reply's contact (guardrails/outage.py)
        "HANDOFF_RULES",  # nlu_components/handoff.py
        "PROACTIVE_DB_URL",  # a STOP withdraws proactive consent (channels/twilio_sms.py)
        "AFTERCARE_GENERATION",
        "LLM_BASE_URL",
        "LLM_API_KEY",
    },
    "actions": {
        "COMMERCE_API_URL",
        "COMMERCE_API_TOKEN",  # actions/services/commerce.py
        "COMMERCE_TIMEOUT_S",
        "DESK_URL",
        "DESK_API_TOKEN",  # actions/services/desk.py
        "AFTERCARE_RASA_URL",
        "RASA_AUTH_TOKEN",  # actions/services/nlu.py
        "PROACTIVE_URL",
        "PROACTIVE_API_TOKEN",  # actions/services/proactive.py
        "AFTERCARE_CHANNEL_SECRET",
        "AFTERCARE_IDENTITY_SECRET",  # actions/session.py
        "AFTERCARE_TENANTS",
        "MERCHANT_POLICY",
        "HANDOFF_RULES",
        "FAQ_FILE",
        "AFTERCARE_GENERATION",
        "LLM_BASE_URL",
        "LLM_API_KEY",
    },
    "commerce": {
        # commerce/config.py
        "COMMERCE_DB_URL",
        "COMMERCE_HOST",
        "COMMERCE_PORT",
        "COMMERCE_API_TOKEN",
        "COMMERCE_CACHE_DIR",
        "MERCHANT_POLICY",
        "MERCHANT_POLICIES",
        "PGPASSWORD",
        # commerce/notify.py: the order news, signed as AFTERCARE_PROACTIVE_TENANT (demo)
        "AFTERCARE_PROACTIVE_URL",
        "PROACTIVE_WEBHOOK_SECRET_DEMO",
    },
    "desk": {
        # desk/config.py
        "DESK_DB_URL",
        "DESK_HOST",
        "DESK_PORT",
        "DESK_API_TOKEN",
        "DESK_RASA_URL",
        "RASA_AUTH_TOKEN",
        "DESK_TRANSCRIPT_KEY",
        "DESK_COOKIE_SECURE",
        "DESK_CONNECTOR",
        "DESK_PUBLIC_URL",
        "PGPASSWORD",
        # the analytics queue it follows into the dashboard's tables (analytics/live.py)
        "ANALYTICS_DB_URL",
        "ANALYTICS_QUEUE",
        "ANALYTICS_POLL_S",
        "EVENT_BROKER",
        "EVENT_BROKER_URL",
        "EVENT_BROKER_USERNAME",
        "EVENT_BROKER_PASSWORD",
        "EVENT_BROKER_QUEUES",
        # the purchases after a suggestion click it fetches from the backend (analytics/live.py,
        # analytics/purchases.py)
        "COMMERCE_API_URL",
        "COMMERCE_API_TOKEN",
        "ANALYTICS_PURCHASES_S",
        "ANALYTICS_ATTRIBUTION_DAYS",
    },
    "proactive": {
        # proactive/app.py (ServiceConfig.from_env)
        "PROACTIVE_DB_URL",
        "PROACTIVE_HOST",
        "PROACTIVE_PORT",
        "PROACTIVE_API_TOKEN",
        "PROACTIVE_RASA_URL",
        "RASA_AUTH_TOKEN",
        "MERCHANT_POLICIES",
        "TWILIO_API_BASE_URL",
        "MESSENGER_GRAPH_BASE_URL",
        "CHANNEL_STATE_DB_URL",  # the SMS channel's STOP records
        "PGPASSWORD",
        # proactive/senders.py: the tenants and the sealed numbers of SMS conversations
        "AFTERCARE_TENANTS",
        "AFTERCARE_CHANNEL_SECRET",
    },
}
# Keys of stack/defaults.env no pod gets, and why.
LEFT_OUT = {
    "RASA_PORT": "the image's command and the Service carry Rasa's port (5005)",
    "ACTION_PORT": "the image's command and the Service carry the action server's port (5055)",
    "AFTERCARE_PRIVACY_TOKEN": "the privacy admin API (python -m guardrails.privacy serve) is not "
    "one of the deployed servers",
}
# The local supervisors' own settings: make run (STACK_*) and make run-prod (PROD_*);
# Kubernetes starts, restarts and scales the servers itself.
LAUNCHER_PREFIXES = ("STACK_", "PROD_")
# Urls the servers call each other on: settings key -> the server that answers.
IN_CLUSTER = {
    "ACTION_ENDPOINT_URL": "actions",
    "AFTERCARE_RASA_URL": "rasa",
    "COMMERCE_API_URL": "commerce",
    "DESK_URL": "desk",
    "DESK_RASA_URL": "rasa",
    "PROACTIVE_URL": "proactive",
    "AFTERCARE_PROACTIVE_URL": "proactive",
    "PROACTIVE_RASA_URL": "rasa",
}
REFERENCE = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)\}")


def named_in(path: str) -> set[str]:
    """The ``${NAME}`` variables a project file names."""
    return set(REFERENCE.findall((ROOT / path).read_text(encoding="utf-8")))


def command_variables(server: str) -> set[str]:
    """The ``${NAME}`` arguments of the image's command (expanded by preflight.py)."""
    final = final_stage(dockerfile(server))
    return {name for i in final if i.keyword == "CMD" for name in REFERENCE.findall(i.arguments)}


def pii_keys() -> set[str]:
    config = yaml.safe_load((ROOT / "guardrails" / "pii.yml").read_text(encoding="utf-8"))
    return {config["pseudonym_key_env"], config["tracker"]["key_env"]}


def agent_passwords() -> set[str]:
    agents = yaml.safe_load((ROOT / "desk" / "agents.yml").read_text(encoding="utf-8"))
    return {agent["password_env"] for agent in agents}


def required(server: str) -> set[str]:
    names = EVERY_SERVER | READ_BY[server] | command_variables(server)
    if server == "rasa":
        channel_secrets = {
            name for name in secret_variables() if name.startswith(("TWILIO_", "MESSENGER_"))
        }
        names |= (
            named_in("endpoints.yml") | named_in("credentials.yml") | pii_keys() | channel_secrets
        )
    if server == "desk":
        names |= agent_passwords()
    if "COMMERCE_API_URL" in names:
        names |= tenant_backends()
    if server == "proactive":
        names |= webhook_secrets() | sending_secrets()
    return names


def tenant_backends() -> set[str]:
    """The variables of the tenants that have a commerce backend of their own
    (``commerce_api_url_env``, ``commerce_api_token_env`` in ``channels/tenants.yml``): every
    server that calls the backend (the action server, the desk) reads them for that tenant."""
    names: set[str] = set()
    for tenant in parse_registry(ROOT / "channels" / "tenants.yml").tenants.values():
        if tenant.commerce_api_url_env:
            names.add(tenant.commerce_api_url_env)
            names.add(tenant.commerce_api_token_env or "COMMERCE_API_TOKEN")
    return names


def sending_secrets() -> set[str]:
    """What the proactive service sends with (proactive/senders.py): each tenant's Twilio
    account and token and Messenger page token, not the secrets that verify webhooks."""
    names: set[str] = set()
    for tenant in parse_registry(ROOT / "channels" / "tenants.yml").tenants.values():
        if tenant.sms is not None:
            names |= {tenant.sms.account_sid_env, tenant.sms.auth_token_env}
        if tenant.messenger is not None:
            names.add(tenant.messenger.page_token_env)
    return names


def set_for(docs: list[dict[str, Any]], server: str) -> dict[str, str]:
    """The server's variables with their values ('<secret>' for those from the Secret)."""
    found = variables(docs, server_container(docs, server))
    values = settings(docs)
    return {
        name: values[name] if v.config_map else "<secret>" if v.secret_key else str(v.literal)
        for name, v in found.items()
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("server", SERVERS)
def test_each_server_gets_every_variable_it_reads(overlay: str, server: str) -> None:
    missing = required(server) - set(set_for(documents(overlay), server))
    assert not missing, f"{server} lacks {sorted(missing)}"


def test_rasa_gets_every_variable_its_endpoints_and_credentials_name() -> None:
    """Rasa stops at start on an unset ${NAME} of endpoints.yml or credentials.yml."""
    names = named_in("endpoints.yml") | named_in("credentials.yml")
    assert {"TRACKER_STORE_URL", "LOCK_STORE_TYPE", "EVENT_BROKER"} <= names
    assert names <= set(set_for(documents("small"), "rasa"))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_local_default_is_deployed_or_deliberately_left_out(overlay: str) -> None:
    docs = documents(overlay)
    deployed = {name for server in SERVERS for name in set_for(docs, server)}
    unaccounted = {
        key
        for key in DEFAULTS
        if key not in deployed and key not in LEFT_OUT and not key.startswith(LAUNCHER_PREFIXES)
    }
    assert not unaccounted, f"decide for these: deploy them or say why not: {sorted(unaccounted)}"
    assert not set(LEFT_OUT) & deployed, "a key said to be left out is deployed"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_stores_are_postgresql_redis_and_rabbitmq(overlay: str) -> None:
    docs = documents(overlay)
    values = settings(docs)
    external = {
        s["metadata"]["name"]
        for s in of_kind(docs, "Service")
        if s["spec"]["type"] == "ExternalName" and s["spec"]["externalName"]
    }
    assert values["AFTERCARE_ENV"] == "production"
    # every database production mode keeps in PostgreSQL (stack/production.py)
    for key in DATABASE_URLS:
        url = urlsplit(values[key])
        assert url.scheme == "postgresql", key
        assert url.hostname in external, f"{key} names no external service"
        assert url.password is None, f"{key}: the password comes as PGPASSWORD, from the Secret"
    assert values["LOCK_STORE_TYPE"] == "redis"
    assert values["LOCK_STORE_URL"] in external
    assert values["EVENT_BROKER"] == "pika"
    assert values["EVENT_BROKER_URL"] in external
    queues = [queue.strip() for queue in values["EVENT_BROKER_QUEUES"].split(",")]
    assert values["ANALYTICS_QUEUE"] in queues, "the analytics queue would get no event"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_servers_call_each_other_through_their_services(overlay: str) -> None:
    docs = documents(overlay)
    values = settings(docs)
    for key, server in IN_CLUSTER.items():
        url = urlsplit(values[key])
        service = named(docs, "Service", deployment_name(server))
        assert url.hostname == service["metadata"]["name"], key
        assert url.port == service["spec"]["ports"][0]["port"], key


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("server", SERVERS)
def test_each_server_can_reach_the_servers_whose_urls_it_reads(overlay: str, server: str) -> None:
    """A server that reads another's URL calls it: that server's network policy must admit its
    pods on the port, and its own egress policy, if it has one, must let it out (and resolve
    the Service's name)."""
    docs = documents(overlay)
    for key in sorted(required(server) & set(IN_CLUSTER)):
        target = IN_CLUSTER[key]
        assert admits(docs, target, server), f"{target}'s network policy refuses {server} ({key})"
        assert may_send(docs, server, target), f"{server}'s egress policy stops it at {key}"


def test_the_reach_check_sees_a_policy_that_leaves_a_caller_out() -> None:
    """Without the desk among the backend's sources, the desk could not fetch the purchases."""
    docs = copy.deepcopy(documents("small"))
    policy = named(docs, "NetworkPolicy", deployment_name("commerce"))
    for rule in policy["spec"]["ingress"]:
        rule["from"] = [
            peer
            for peer in rule["from"]
            if peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            != "agent-desk"
        ]
    assert admits(docs, "commerce", "actions")
    assert not admits(docs, "commerce", "desk")
    assert not admits(docs, "commerce", "rasa")


def test_the_reach_check_sees_an_egress_policy_that_stops_a_caller() -> None:
    """An egress policy on the desk must open the backend's port and the cluster's DNS."""
    docs = copy.deepcopy(documents("small"))
    assert may_send(docs, "desk", "commerce"), "no egress policy: the desk may send anywhere"
    desk = {"matchLabels": {"app.kubernetes.io/name": "agent-desk"}}
    backend = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "commerce-backend"}}}
    dns = {"ports": [{"port": 53, "protocol": "UDP"}]}
    policy = {
        "kind": "NetworkPolicy",
        "metadata": {"name": "aftercare-desk"},
        "spec": {"podSelector": desk, "policyTypes": ["Egress"], "egress": [dns]},
    }
    docs.append(policy)
    assert not may_send(docs, "desk", "commerce"), "DNS only"
    policy["spec"]["egress"] = [{"to": [backend], "ports": [{"port": "http"}]}]
    assert not may_send(docs, "desk", "commerce"), "the backend without DNS"
    policy["spec"]["egress"] = [dns, {"to": [backend], "ports": [{"port": 5432}]}]
    assert not may_send(docs, "desk", "commerce"), "the backend on another port"
    policy["spec"]["egress"] = [dns, {"to": [backend], "ports": [{"port": "http"}]}]
    assert may_send(docs, "desk", "commerce")
    assert not may_send(docs, "desk", "rasa")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_desk_fetches_the_purchases_from_the_backend_s_service(overlay: str) -> None:
    """As the desk reads its settings (desk/config.py): every tenant's backend is the Service,
    with the Secret's token, never the local default the fetch falls back to when unset."""
    from analytics.live import purchase_sync

    docs = documents(overlay)
    env = set_for(docs, "desk")
    sync = purchase_sync(env)
    assert sync is not None, "ANALYTICS_PURCHASES_S or ANALYTICS_FOLLOW turns the fetch off"
    assert sync.backends, "no tenant to fetch for"
    service = named(docs, "Service", deployment_name("commerce"))
    for tenant, backend in sync.backends.items():
        url = urlsplit(backend.url)
        assert url.hostname == service["metadata"]["name"], tenant
        assert url.port == service["spec"]["ports"][0]["port"], tenant
        assert backend.token == "<secret>", f"{tenant}: the token is not from the Secret"


@pytest.mark.parametrize("server", SERVERS)
def test_the_postgresql_password_is_the_role_of_the_server_s_own_database(server: str) -> None:
    """Each server connects as its own role: its PGPASSWORD is that role's key in the Secret."""
    docs = documents("small")
    found = variables(docs, server_container(docs, server))
    if "PGPASSWORD" not in found:
        assert server == "actions"
        return
    # The proactive service reads the channel state, and the Rasa server writes a STOP into the
    # proactive tables: both as the one role of the Rasa server's stores.
    expected = {
        "rasa": "RASA_DB_PASSWORD",
        "commerce": "COMMERCE_DB_PASSWORD",
        "desk": "DESK_DB_PASSWORD",
        "proactive": "RASA_DB_PASSWORD",
    }
    assert found["PGPASSWORD"].secret_key == expected[server]
    urls = {
        "rasa": ("TRACKER_STORE_URL", "CHANNEL_STATE_DB_URL", "PROACTIVE_DB_URL"),
        "commerce": ("COMMERCE_DB_URL",),
        "desk": ("DESK_DB_URL", "ANALYTICS_DB_URL"),
        "proactive": ("PROACTIVE_DB_URL", "CHANNEL_STATE_DB_URL"),
    }
    roles = {urlsplit(settings(docs)[key]).username for key in urls[server]}
    assert len(roles) == 1, f"{server} would need two passwords: {roles}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_files_the_settings_name_are_in_the_images(overlay: str) -> None:
    values = settings(documents(overlay))
    paths = [
        values["MERCHANT_POLICY"],
        values["FAQ_FILE"],
        values["AFTERCARE_TENANTS"],
        values["HANDOFF_RULES"],
        *[entry.partition("=")[2] for entry in values["MERCHANT_POLICIES"].split(",")],
    ]
    for server in SERVERS:
        copied = {
            part.rstrip("/")
            for i in instructions(dockerfile(server))
            if i.keyword == "COPY" and not i.arguments.startswith("--from")
            for part in i.arguments.split()[:-1]
        }
        for path in paths:
            assert (ROOT / path).is_file(), path
            assert path.split("/")[0] in copied, f"{server} image lacks {path}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_seeding_the_demo_store_reaches_the_backend_s_database(overlay: str) -> None:
    docs = documents(overlay)
    seeders = [c for where, c, _ in containers(docs) if where.startswith("CronJob/")]
    assert seeders
    for container in seeders:
        found = variables(docs, container)
        assert found["PGPASSWORD"].secret_key == "COMMERCE_DB_PASSWORD"
        assert "COMMERCE_DB_URL" in found and "AFTERCARE_PII_PSEUDONYM_KEY" in found
        assert container["image"] == server_container(docs, "commerce")["image"]
