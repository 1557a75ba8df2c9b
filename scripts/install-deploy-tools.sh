#!/usr/bin/env bash
# Creates .venv/deploy-tools: kubernetes-validate, which checks the rendered Kubernetes manifests
# against the Kubernetes schema (tests/unit/deploy, docs/deployment.md). A venv of its own
# because kubernetes-validate needs jsonschema>=4.23 (and attrs>=22.2), Rasa 3.6 jsonschema<4.18
# (and attrs<22.2): one environment cannot hold both. Inside .venv, so it is ignored by git and
# goes when .venv goes. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv/deploy-tools
if [ ! -x "$VENV/bin/python" ]; then
  python=$(scripts/find-python.sh)
  echo "Creating $VENV with $python"
  "$python" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip==26.3"
"$VENV/bin/python" -m pip install --quiet -c constraints-deploy.txt "kubernetes-validate==1.37.0"
"$VENV/bin/kubernetes-validate" --version >/dev/null
touch "$VENV/.installed"
echo "Deploy tools installed in $VENV"
