#!/usr/bin/env bash
# Installs Debian's headless Chromium and its driver for the browser tests, only when missing.
# Idempotent: does nothing when both are on PATH; runs `apt-get update` once otherwise.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get; install Chromium and chromedriver, then re-run" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Another apt run may hold the lock: wait for it instead of failing.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    chromium chromium-driver >/dev/null
command -v chromium >/dev/null
