#!/usr/bin/env bash
# Runs every test of Stub: installs dependencies, builds the optimized and the
# sanitizer (ASan + UBSan) builds, and runs all tests of both through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

for preset in release asan; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset"
done
