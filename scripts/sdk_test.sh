#!/usr/bin/env bash
# Tests the LLM gateway and the MCP server with the official clients, unmodified (issue 21):
# the `openai`, `@anthropic-ai/sdk` and `@modelcontextprotocol/sdk` npm packages against a real
# `stub serve` (a temporary SQLite file, port 0), with local upstream fixtures that imitate each
# provider (sdk-tests/; Vitest).
# STUB_BIN: the stub binary (default build/ci-release/stub, as scripts/test.sh builds it).
# Needs node and npm (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export STUB_BIN="${STUB_BIN:-$root/build/ci-release/stub}"
case "$STUB_BIN" in /*) ;; *) STUB_BIN="$root/$STUB_BIN" ;; esac
cd sdk-tests
npm ci --no-audit --no-fund
echo "=== vitest (stub: $STUB_BIN)"
npx vitest run
