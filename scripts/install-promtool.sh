#!/usr/bin/env bash
# Installs Debian's Prometheus package for its promtool, which checks the scrape configuration
# and alert rules in deploy/prometheus (tests/unit/deploy). Idempotent: does nothing when
# promtool is already installed. The package's own Prometheus service does not start.
set -euo pipefail

if command -v promtool >/dev/null 2>&1 || [ -x /usr/bin/promtool ]; then
    exit 0
fi
"$(dirname "$0")/apt-install.sh" install-promtool prometheus
[ -x /usr/bin/promtool ]
