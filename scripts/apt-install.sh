#!/usr/bin/env bash
# `scripts/apt-install.sh LABEL PACKAGE...`: installs Debian packages whose binaries the project
# runs itself (HAProxy under supervisord, promtool in the tests): no recommended packages, and
# no service of theirs started (RUNLEVEL=1). The install-* scripts call it once their tool is
# found missing.
set -euo pipefail

label=$1
shift
if ! command -v apt-get >/dev/null 2>&1; then
    echo "$label: no apt-get; install $* yourself, then re-run" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Another apt run may hold the lock: wait for it instead of failing.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends "$@" >/dev/null
