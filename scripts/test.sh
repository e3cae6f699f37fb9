#!/usr/bin/env bash
# Runs every test of Stub: installs dependencies, builds the dashboard (ui/,
# embedded into the binary), builds the optimized and the sanitizer (ASan +
# UBSan) builds, runs all tests of both through ctest, the dashboard's unit and
# browser tests against the optimized binary (scripts/ui_test.sh), the official
# OpenAI, Anthropic and MCP clients against it (scripts/sdk_test.sh), and fuzzes
# every parser for a bounded time (scripts/fuzz.sh; FUZZ_SECONDS per target,
# default 15).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Before the C++ builds: they embed ui/dist (CMakeLists.txt, stub_embed_ui).
bash scripts/ui_build.sh

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
    echo "=== dashboard: unit and browser tests"
    STUB_BIN=build/ci-release/stub bash scripts/ui_test.sh
    echo "=== LLM gateway and MCP: the official openai, anthropic and MCP clients"
    STUB_BIN=build/ci-release/stub bash scripts/sdk_test.sh
    echo "=== fuzz"
    bash scripts/fuzz.sh
  fi
done
