#!/usr/bin/env bash
# Installs Debian's Prometheus package for its promtool, which checks the scrape configuration
# and alert rules in deploy/prometheus (tests/unit/deploy). Idempotent: does nothing when
# promtool is already installed.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 || [ -x /usr/bin/promtool ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-promtool: no apt-get; install Prometheus 2.x (promtool), then re-run" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Another apt run may hold the lock: wait for it instead of failing.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
# Only promtool is wanted: the package's own Prometheus service must not start.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends prometheus >/dev/null
[ -x /usr/bin/promtool ]
