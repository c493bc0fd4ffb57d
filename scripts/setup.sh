#!/usr/bin/env bash
# Quick start: system packages, npm dependencies (builds the OpenBLAS addon and compiles the
# TypeScript), then the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
npm ci
node dist/src/cli/main.js info
node dist/src/cli/main.js demo --force   # --force: a rerun replaces the earlier demo in runs/demo (and nothing else)
