#!/usr/bin/env bash
# Builds Stub and runs it: `stub serve --demo` on the embedded SQLite store
# (./stub.db, or $STUB_DB), with the demo org seeded (idempotent: running this
# again keeps the data) and a fresh admin key printed with the URL and a curl
# example. Extra arguments go to `stub serve` (e.g. --listen 127.0.0.1:9000).
# Stop it with Ctrl-C: in-flight requests finish, the store closes cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh >/dev/null
bash scripts/ui_build.sh >/dev/null  # the dashboard, embedded into the binary at /
cmake --preset release >/dev/null
cmake --build --preset release --target stub >/dev/null
echo "Built ./build/release/stub — running: stub serve --demo $*"
echo
exec ./build/release/stub serve --demo "$@"
