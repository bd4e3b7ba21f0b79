#!/usr/bin/env bash
# CI-only checks beyond `npm run check`: the Dockerfile's steps, run outside Docker (no engine here).
set -euo pipefail
cd "$(dirname "$0")/.."
node .ci/docker-steps.mjs Dockerfile
