#!/usr/bin/env bash
# Builds Stub and runs it. Until the HTTP server lands this is `stub race`:
# agents in simulated regions racing one budget, with a readable report.
# Extra arguments go to `stub race` (e.g. --agents 32 --regions 4 --json).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target stub >/dev/null
echo "Built ./build/release/stub — running: stub race $*"
echo
exec ./build/release/stub race "$@"
