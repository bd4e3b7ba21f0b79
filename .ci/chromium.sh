#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests (test/ui). Idempotent: does
# nothing when /usr/bin/chromium is already there. Prints nothing on stdout (apt's output goes
# to stderr), so `.ci/run` and humans can call it the same way. CI runs it as root on Debian.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }

if [ -x /usr/bin/chromium ]; then
  log "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "not root: cannot apt-get install chromium (the browser tests skip locally without it, and fail in CI)"
  exit 1
fi

log "installing chromium (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
apt-get update >&2
apt-get install -y --no-install-recommends chromium fonts-dejavu-core >&2
log "installed: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
