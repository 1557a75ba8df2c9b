"""The Kubernetes overlays render to valid manifests of servers that start, stay up and scale.

Each overlay under deploy/k8s/overlays is rendered with ``kubectl kustomize`` and checked
against the Kubernetes 1.32 schema (kubernetes-validate, strict: an unknown field is an error),
then for what the schema cannot see: probes on the servers' real health routes, limits, a
non-root user, autoscaling and disruption budgets.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.unit.deploy.manifests import (
    K8S,
    KUBERNETES_VALIDATE,
    KUBERNETES_VERSION,
    OVERLAYS,
    ROOT,
    SERVERS,
    containers,
    deployment_name,
    dockerfile,
    documents,
    final_stage,
    health_path,
    named,
    of_kind,
    pod_specs,
    rendered,
    server_container,
    settings,
    template_labels,
    tool,
    workloads_picked,
)

INSTALL_VALIDATE = "run scripts/install-deploy-tools.sh (kubernetes-validate in a venv of its own)"
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
AUTOSCALED = ("rasa", "actions")
# The servers closed by a network policy, and the Deployments whose pods may call each.
CALLERS = {
    "aftercare-actions": {"aftercare-rasa"},
    # the action servers' orders and returns, the desk's purchases after a suggestion click
    "aftercare-commerce": {"aftercare-actions", "aftercare-desk"},
    # the backend's order news, the action servers' inquiries (and the ingress controller's
    # namespace: the merchant's order system)
    "aftercare-proactive": {"aftercare-commerce", "aftercare-actions"},
}


def validate(path: Path) -> tuple[int, list[str]]:
    """kubernetes-validate on a file of manifests: its exit code and its output lines."""
    done = subprocess.run(
        [
            tool(KUBERNETES_VALIDATE, INSTALL_VALIDATE),
            "--kubernetes-version",
            KUBERNETES_VERSION,
            "--strict",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.returncode, [line for line in (done.stdout + done.stderr).splitlines() if line]


def test_there_is_a_small_and_a_large_overlay() -> None:
    assert {"small", "large"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_manifest_of_an_overlay_is_valid_for_kubernetes_1_32(
    overlay: str, tmp_path: Path
) -> None:
    docs = documents(overlay)
    path = tmp_path / f"{overlay}.yaml"
    path.write_text(rendered(K8S / "overlays" / overlay), encoding="utf-8")
    code, lines = validate(path)
    problems = [line for line in lines if not line.startswith("INFO ")]
    assert code == 0 and not problems, "\n".join(problems)
    # a kind without a schema is only a warning there: every manifest must have been checked
    passed = [line for line in lines if " passed for resource " in line]
    assert len(passed) == len(docs), f"{len(passed)} of {len(docs)} manifests validated"


def test_the_schema_check_rejects_a_misspelt_field(tmp_path: Path) -> None:
    docs = documents("small")
    deployment = named(docs, "Deployment", "aftercare-rasa")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(deployment), encoding="utf-8")
    code, lines = validate(path)
    assert code != 0 and any("readinesProbe" in line for line in lines), lines


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("server", SERVERS)
def test_each_server_is_probed_on_the_health_route_the_stack_checks(
    overlay: str, server: str
) -> None:
    container = server_container(documents(overlay), server)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in PROBES:
        assert probe in container, f"{server} has no {probe}"
        check = container[probe]["httpGet"]
        assert check["path"] == health_path(server), f"{server} {probe}"
        assert check["port"] in ports, f"{server} {probe} asks a port the container lacks"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_server_container_has_readiness_and_liveness_probes(overlay: str) -> None:
    for deployment in of_kind(documents(overlay), "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            where = f"{deployment['metadata']['name']}/{container['name']}"
            assert container.get("readinessProbe"), f"{where}: no readiness probe"
            assert container.get("livenessProbe"), f"{where}: no liveness probe"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_liveness_gives_up_later_than_readiness(overlay: str) -> None:
    """A slow answer takes a pod out of the Service long before it is restarted."""
    for server in SERVERS:
        container = server_container(documents(overlay), server)

        def patience(probe: dict[str, Any]) -> int:
            return int(probe["periodSeconds"]) * int(probe["failureThreshold"])

        assert patience(container["livenessProbe"]) > patience(container["readinessProbe"])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("server", SERVERS)
def test_each_server_listens_where_its_image_exposes_and_its_service_sends(
    overlay: str, server: str
) -> None:
    docs = documents(overlay)
    (port,) = server_container(docs, server)["ports"]
    final = final_stage(dockerfile(server))
    exposed = [int(i.arguments) for i in final if i.keyword == "EXPOSE"]
    assert exposed == [port["containerPort"]]
    service = named(docs, "Service", deployment_name(server))
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        (port["containerPort"], port["name"])
    ]
    selector = service["spec"]["selector"]
    labels = named(docs, "Deployment", deployment_name(server))["spec"]["template"]["metadata"]
    assert selector.items() <= labels["labels"].items()
    configured = {
        "commerce": "COMMERCE_PORT",
        "desk": "DESK_PORT",
        "proactive": "PROACTIVE_PORT",
    }.get(server)
    if configured:
        assert settings(docs)[configured] == str(port["containerPort"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_selector_picks_the_pods_of_one_server_only(overlay: str) -> None:
    """A Service, budget or policy that also matched the seed Job's pod would send it traffic."""
    docs = documents(overlay)
    templates = [
        (doc["metadata"]["name"], pod_labels) for doc in docs for pod_labels in template_labels(doc)
    ]
    selectors = [
        (f"Service/{d['metadata']['name']}", d["spec"].get("selector") or {})
        for d in of_kind(docs, "Service")
        if d["spec"]["type"] != "ExternalName"
    ]
    selectors += [
        (f"{d['kind']}/{d['metadata']['name']}", d["spec"]["selector"]["matchLabels"])
        for d in of_kind(docs, "PodDisruptionBudget")
    ]
    selectors += [
        (f"NetworkPolicy/{d['metadata']['name']}", d["spec"]["podSelector"]["matchLabels"])
        for d in of_kind(docs, "NetworkPolicy")
    ]
    for where, selector in selectors:
        picked = workloads_picked(templates, selector)
        assert (
            len(picked) == 1 and picked[0] == "aftercare-" + where.split("aftercare-")[1]
        ), f"{where} picks the pods of {picked}"
    for policy in of_kind(docs, "NetworkPolicy"):
        name = policy["metadata"]["name"]
        callers: set[str] = set()
        for rule in policy["spec"]["ingress"]:
            for source in rule["from"]:
                if "namespaceSelector" in source:
                    # another namespace (the ingress controller's), none of this deployment's pods
                    assert "podSelector" not in source, name
                    continue
                picked = workloads_picked(templates, source["podSelector"]["matchLabels"])
                assert len(picked) == 1, f"{name}: a source picks {picked}"
                callers |= set(picked)
        assert callers == CALLERS[name], name
    for service in of_kind(docs, "Service"):
        if service["spec"]["type"] == "ExternalName":
            assert "selector" not in service["spec"], service["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_proactive_service_sends_only_where_its_settings_point(overlay: str) -> None:
    """Rasa's pods on their port, PostgreSQL, the providers' HTTPS APIs and DNS: nothing else."""
    docs = documents(overlay)
    values = settings(docs)
    spec = named(docs, "NetworkPolicy", deployment_name("proactive"))["spec"]
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    templates = [(d["metadata"]["name"], labels) for d in docs for labels in template_labels(d)]
    outside: set[int] = set()
    for rule in spec["egress"]:
        ports = {(port["protocol"], port["port"]) for port in rule["ports"]}
        for target in rule["to"]:
            if "ipBlock" in target:
                assert {protocol for protocol, _ in ports} == {"TCP"}
                outside |= {port for _, port in ports}
            elif "namespaceSelector" in target:  # the cluster's DNS
                assert ports == {("UDP", 53), ("TCP", 53)}
            else:
                picked = workloads_picked(templates, target["podSelector"]["matchLabels"])
                assert picked == [deployment_name("rasa")], picked
                (port,) = server_container(docs, "rasa")["ports"]
                assert ports == {("TCP", port["name"])}
                assert urlsplit(values["PROACTIVE_RASA_URL"]).port == port["containerPort"]
    wanted = {urlsplit(values[key]).port for key in ("PROACTIVE_DB_URL", "CHANNEL_STATE_DB_URL")}
    for key in ("TWILIO_API_BASE_URL", "MESSENGER_GRAPH_BASE_URL"):
        url = urlsplit(values[key])
        assert url.scheme == "https", key
        wanted.add(url.port or 443)
    assert outside == wanted


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits(overlay: str) -> None:
    for where, container, _ in containers(documents(overlay)):
        resources = container.get("resources") or {}
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(bound) or {}), f"{where}: {bound}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_runs_as_a_non_root_user_without_privileges(overlay: str) -> None:
    for where, container, pod in containers(documents(overlay)):
        security = {
            **(pod.get("securityContext") or {}),
            **(container.get("securityContext") or {}),
        }
        assert security.get("runAsNonRoot") is True, where
        assert int(security.get("runAsUser", 0)) > 0, where
        assert security.get("allowPrivilegeEscalation") is False, where
        assert security.get("readOnlyRootFilesystem") is True, where
        assert security.get("capabilities", {}).get("drop") == ["ALL"], where
    for where, pod in pod_specs(documents(overlay)):
        assert pod.get("automountServiceAccountToken") is False, where


@pytest.mark.parametrize("server", SERVERS)
def test_the_pods_run_as_the_user_the_image_switches_to(server: str) -> None:
    users = [i.arguments for i in final_stage(dockerfile(server)) if i.keyword == "USER"]
    assert users, f"{server}.Dockerfile runs as root"
    uid = users[-1].split(":")[0]
    pod = named(documents("small"), "Deployment", deployment_name(server))["spec"]["template"]
    assert str(pod["spec"]["securityContext"]["runAsUser"]) == uid


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rasa_and_the_action_server_scale_on_cpu(overlay: str) -> None:
    docs = documents(overlay)
    scalers = {
        hpa["spec"]["scaleTargetRef"]["name"]: hpa
        for hpa in of_kind(docs, "HorizontalPodAutoscaler")
    }
    for server in AUTOSCALED:
        hpa = scalers[deployment_name(server)]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["type"] == "Utilization"
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        # the autoscaler owns the count: a replicas field would be reset by every apply
        assert "replicas" not in named(docs, "Deployment", deployment_name(server))["spec"]


def _scale(overlay: str) -> dict[str, tuple[int, int]]:
    docs = documents(overlay)
    counts = {
        d["metadata"]["name"]: (d["spec"]["replicas"], d["spec"]["replicas"])
        for d in of_kind(docs, "Deployment")
        if "replicas" in d["spec"]
    }
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        spec = hpa["spec"]
        counts[spec["scaleTargetRef"]["name"]] = (spec["minReplicas"], spec["maxReplicas"])
    return counts


def test_the_small_overlay_runs_one_or_two_pods_of_each_server() -> None:
    for name, (low, high) in _scale("small").items():
        assert 1 <= low <= high <= 2, name


def test_the_large_overlay_runs_more_pods_and_scales_further_than_the_small_one() -> None:
    small, large = _scale("small"), _scale("large")
    for server in AUTOSCALED:
        name = deployment_name(server)
        assert large[name][0] >= 2 and large[name][1] > small[name][1], name
    assert large[deployment_name("commerce")][0] >= 2
    assert large[deployment_name("proactive")][0] >= 2


def test_no_server_gets_less_memory_in_the_large_overlay_than_in_the_small_one() -> None:
    def memory(overlay: str, server: str) -> str:
        limits = server_container(documents(overlay), server)["resources"]["limits"]
        return str(limits["memory"])

    def mebibytes(quantity: str) -> float:
        number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
        return float(number) * (1024 if unit == "Gi" else 1)

    for server in SERVERS:
        assert mebibytes(memory("small", server)) <= mebibytes(memory("large", server)), server


def test_the_large_overlay_keeps_a_pod_of_every_scaled_server_through_a_drain() -> None:
    docs = documents("large")
    budgets = of_kind(docs, "PodDisruptionBudget")
    for server in ("rasa", "actions", "commerce", "proactive"):
        labels = named(docs, "Deployment", deployment_name(server))["spec"]["template"]["metadata"]
        matching = [
            b
            for b in budgets
            if b["spec"]["selector"]["matchLabels"].items() <= labels["labels"].items()
        ]
        assert len(matching) == 1, f"{server}: {len(matching)} disruption budgets"
        assert matching[0]["spec"].get("maxUnavailable") == 1
    low = _scale("large")
    for budget in budgets:
        target = budget["metadata"]["name"]
        assert low[target][0] >= 2, f"{target}: a budget on fewer than two pods blocks drains"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_desk_runs_one_pod_replaced_not_rolled(overlay: str) -> None:
    """Its transcript sync is not safe twice at once (desk/handoffs.py, desk/service.py)."""
    spec = named(documents(overlay), "Deployment", deployment_name("desk"))["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"
    names = [
        hpa["spec"]["scaleTargetRef"]["name"]
        for hpa in of_kind(documents(overlay), "HorizontalPodAutoscaler")
    ]
    assert deployment_name("desk") not in names


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_analytics_queue_has_one_consumer_the_desk(overlay: str) -> None:
    """Two consumers of ANALYTICS_QUEUE would rebuild one conversation in concurrent
    transactions (docs/analytics.md): the desk follows it, and the desk is one pod (above)."""
    docs = documents(overlay)
    values = settings(docs)
    assert values["EVENT_BROKER"] == "pika" and values["ANALYTICS_QUEUE"]
    assert values.get("ANALYTICS_FOLLOW", "on") not in ("0", "false", "no", "off")
    for where, container, _ in containers(docs):
        command = " ".join([*container.get("command", []), *container.get("args", [])])
        assert "analytics" not in command, f"{where} would be a second consumer"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned_to_a_tag_never_latest(overlay: str) -> None:
    for where, container, _ in containers(documents(overlay)):
        image = container["image"]
        assert re.search(r":[A-Za-z0-9][A-Za-z0-9._-]*$|@sha256:[0-9a-f]{64}$", image), where
        assert not image.endswith(":latest"), where


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_demo_store_is_only_ever_seeded_by_hand(overlay: str) -> None:
    """commerce.seed drops every table: nothing may run it on a schedule or at a pod's start."""
    docs = documents(overlay)
    seeders = [
        (where, c)
        for where, c, _ in containers(docs)
        if "commerce.seed" in " ".join(c.get("args", []))
    ]
    assert [where.split("/")[0] for where, _ in seeders] == ["CronJob"]
    (cronjob,) = (d for d in of_kind(docs, "CronJob"))
    assert cronjob["spec"]["suspend"] is True
    assert cronjob["spec"]["schedule"] == "0 0 31 2 *"  # February 31st never comes
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert not of_kind(docs, "Job")


def test_the_base_is_rendered_from_the_repository_alone() -> None:
    """No remote bases: rendering needs nothing but this checkout."""
    for kustomization in K8S.rglob("kustomization.yaml"):
        config = yaml.safe_load(kustomization.read_text(encoding="utf-8"))
        for entry in config.get("resources", []):
            assert (kustomization.parent / entry).resolve().is_relative_to(ROOT), entry
