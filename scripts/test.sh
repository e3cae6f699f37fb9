#!/usr/bin/env bash
# Runs every test of Stub: installs dependencies, builds the optimized and the
# sanitizer (ASan + UBSan) builds, runs all tests of both through ctest, then
# fuzzes every parser for a bounded time (scripts/fuzz.sh; FUZZ_SECONDS per
# target, default 15).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

# The ci-* presets are release and asan built as unity translation units (8 sources each; see
# CMakeLists.txt) with line tables only (-g1) instead of full debug info: the two builds take about
# 19 minutes instead of about 30 on 2 cores, and failures and sanitizer reports still show
# file:line. They build in build/ci-release and build/ci-asan; the release and asan presets stay
# one unit per file with full -g, which also checks that every file includes what it uses.
# The fuzz targets (scripts/fuzz.sh: a clang build, a bounded run of each) go between the two,
# so that ctest's summary closes the output.
for preset in ci-release ci-asan; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: test"
  ctest --preset "$preset"
  if [ "$preset" = ci-release ]; then
    echo "=== fuzz"
    bash scripts/fuzz.sh
  fi
done
