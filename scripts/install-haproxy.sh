#!/usr/bin/env bash
# Installs Debian's HAProxy for production mode (make run-prod, its tests), only when missing.
# Idempotent: does nothing when haproxy is already installed. Only the binary is wanted:
# supervisord runs it, so the package's own service must not start (scripts/apt-install.sh).
set -euo pipefail

if command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ]; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" install-haproxy haproxy
[ -x /usr/sbin/haproxy ]
