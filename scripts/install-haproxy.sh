#!/usr/bin/env bash
# Installs Debian's HAProxy for production mode (make run-prod, its tests), only when missing.
# Idempotent: does nothing when haproxy is already installed.
set -euo pipefail

if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-haproxy: no apt-get; install HAProxy 2.6 or newer, then re-run" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Another apt run may hold the lock: wait for it instead of failing.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
# Only the binary is wanted: supervisord runs it, so the package's own service must not start.
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends haproxy >/dev/null
[ -x /usr/sbin/haproxy ]
