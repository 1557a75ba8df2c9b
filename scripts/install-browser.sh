#!/usr/bin/env bash
# Installs Debian's Chromium and its driver for the browser tests, only when missing.
# Idempotent: `apt-get update` runs once, and only if something has to be installed.
# Playwright drives this Chromium (executable_path); its own browser download is not used.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
echo "Installing ${missing[*]} for the browser tests"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
