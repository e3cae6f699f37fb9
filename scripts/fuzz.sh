#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc: the JSON body parser, money,
# the vendor normaliser, the receipt canonicaliser, the question parser) with
# clang, ASan and UBSan in build/fuzz, and runs each for a bounded time over
# its committed seed corpus (fuzz/corpus/<target>/, read only: what a run
# learns goes to build/fuzz/corpus/<target>/).
#
#   FUZZ_SECONDS   seconds per target (default 15: with the clang build, about 4 minutes
#                  on a loaded 2-core machine)
#   FUZZ_TARGETS   which targets (default: all five)
#
# A crash fails the script and leaves the input in build/fuzz/artifacts/<target>/;
# once fixed, copy it into fuzz/corpus/<target>/ as a regression input (every
# run replays the whole committed corpus first).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH="${FUZZ_SECONDS:-15}"
TARGETS="${FUZZ_TARGETS:-json_body money vendor canonical_json question_parser x402}"
BUILD=build/fuzz

launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

start=$(date +%s)
echo "=== fuzz: configure and build ($BUILD, clang)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DSTUB_FUZZ=ON -DSTUB_BENCH=OFF \
  "${launcher[@]}" >/dev/null
targets=()
for t in $TARGETS; do targets+=("${t}_fuzz"); done
cmake --build "$BUILD" --target "${targets[@]}"
echo "=== fuzz: built in $(($(date +%s) - start)) s"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
for t in $TARGETS; do
  mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
  echo "=== fuzz: $t for ${SECONDS_EACH} s"
  if ! "$BUILD/${t}_fuzz" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
      -max_len=8192 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$t/" \
      "$BUILD/corpus/$t" "fuzz/corpus/$t" >"$BUILD/$t.log" 2>&1; then
    tail -n 60 "$BUILD/$t.log"
    echo "fuzz: $t FAILED; the input is in $BUILD/artifacts/$t/ (log: $BUILD/$t.log)" >&2
    exit 1
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$BUILD/$t.log" || true
done
echo "=== fuzz: done in $(($(date +%s) - start)) s"
