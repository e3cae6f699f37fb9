#!/usr/bin/env bash
# Stub vs pgbench on the same PostgreSQL server, side by side in one run.
#
#   bash bench/vs_pgbench.sh [PGURL]
#
# pgbench tpcb-like (scale 1, 8 clients, 10 s) is the ceiling for
# one-update-per-transaction on a hot row; `stub bench --hot` (8 clients,
# 10 s, every spend on one org and one team) goes past it by group commit.
# Stub runs with 8 clients and DEPTH spends in flight each (default 128, like
# an agent runtime with many concurrent requests), which is what fills
# batches, right after each of RUNS pgbench runs (default 3); then once with
# one spend in flight per client (a batch can never exceed 8).
# Without PGURL a throwaway cluster is started on a free loopback port (as the
# postgres user, in a temp dir) and removed afterwards. Prints both figures
# and the ratios; SECONDS_PER_RUN overrides the 10 s, STUB_BIN runs a binary
# already built instead of building the release preset.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SECONDS_PER_RUN:-10}"
url="${1:-}"
source bench/pg_throwaway.sh
trap pg_throwaway_stop EXIT
if [ -z "$url" ]; then
  pg_throwaway_start
  url="$pg_url"
fi

stub="${STUB_BIN:-}"
if [ -z "$stub" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target stub >/dev/null
  stub=./build/release/stub
fi

"$pgbin/pgbench" -i -s 1 -q "$url" >/dev/null 2>&1
depth="${DEPTH:-128}"
runs="${RUNS:-3}"
# pgbench is bound by the disk's fsync latency, which drifts by a factor of two
# within minutes on a shared VM: RUNS back-to-back pairs (pgbench, then stub
# with DEPTH in flight), each pair's ratio printed, then the median ratio.
# Both sides warm up first: pgbench -i created its tables, a short stub run
# creates Stub's schema and fills the server's caches.
"$stub" bench --db "$url" --hot --clients 8 --depth "$depth" --seconds 2 --json >/dev/null
pairs=()
for _ in $(seq 1 "$runs"); do
  pg_out=$("$pgbin/pgbench" -c 8 -j 2 -T "$seconds" -M prepared "$url" 2>&1)
  pg_tps=$(printf '%s\n' "$pg_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)
  deep_json=$("$stub" bench --db "$url" --hot --clients 8 --depth "$depth" \
    --seconds "$seconds" --json)
  pairs+=("$pg_tps" "$deep_json")
done
one_json=$("$stub" bench --db "$url" --hot --clients 8 --seconds "$seconds" --json)

python3 - "$one_json" "${pairs[@]}" <<'PY'
import json, statistics, sys

def describe(r, pg):
    label = f"stub bench --hot, 8 clients x {r['depth']} in flight"
    return (f"{label}: {r['spends_per_sec']:,.0f} spends/s = {r['spends_per_sec'] / pg:.1f}x "
            f"(mean batch {r['mean_batch']:.1f}, p50 {r['p50_ms']:.2f} ms, "
            f"p99 {r['p99_ms']:.2f} ms, {r['serialization_failures']} serialization failures)")

one = json.loads(sys.argv[1])
rest = sys.argv[2:]
ratios = []
for i in range(0, len(rest), 2):
    pg = float(rest[i])
    r = json.loads(rest[i + 1])
    print(f"run {i // 2 + 1}: pgbench tpcb-like, scale 1, 8 clients, {pg:,.0f} TPS")
    print("  " + describe(r, pg))
    ratios.append(r["spends_per_sec"] / pg)
pg_last = float(rest[-2])
print("one spend in flight per client (against the last pgbench): " + describe(one, pg_last))
print(f"median ratio over {len(ratios)} pairs: {statistics.median(ratios):.1f}x "
      f"(range {min(ratios):.1f}x to {max(ratios):.1f}x)")
PY
