#!/usr/bin/env bash
# Tests the dashboard: builds it (scripts/ui_build.sh), runs the Vitest unit
# tests (money and period arithmetic), then the Playwright end-to-end tests in
# Debian's chromium against a real `stub serve --demo --ui-dir ui/dist` on a
# temporary SQLite file and a free port (ui/e2e/global-setup.ts).
# STUB_BIN: the stub binary (default build/ci-release/stub, as scripts/test.sh
# builds it). Screenshots go to ui/test-results/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/ui_build.sh

export STUB_BIN="${STUB_BIN:-$root/build/ci-release/stub}"
case "$STUB_BIN" in /*) ;; *) STUB_BIN="$root/$STUB_BIN" ;; esac
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd ui
echo "=== vitest"
npx vitest run
echo "=== playwright (stub: $STUB_BIN)"
npx playwright test
