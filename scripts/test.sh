#!/usr/bin/env bash
# Runs every test of Stub: installs dependencies, builds the optimized and the
# sanitizer (ASan + UBSan) builds, and runs all tests of both through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# The ci-* presets are release and asan with line tables only (-g1) instead of full debug info:
# about a quarter less compile time, and failures and sanitizer reports still show file:line.
# They build in build/ci-release and build/ci-asan, so `cmake --preset release` keeps full -g.
for preset in ci-release ci-asan; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset"
done
