#!/usr/bin/env bash
# Stub vs pgbench on the same PostgreSQL server, side by side in one run.
#
#   bash bench/vs_pgbench.sh [PGURL]
#
# pgbench tpcb-like (scale 1, 8 clients, 10 s) is the ceiling for
# one-update-per-transaction on a hot row; `stub bench --hot` (8 clients,
# 10 s, every spend on one org and one team) goes past it by group commit.
# Stub runs twice: 8 clients with one spend in flight each (a batch can never
# exceed 8), and 8 clients with DEPTH spends in flight each (default 128, like
# an agent runtime with many concurrent requests), which is what fills
# batches.
# Without PGURL a throwaway cluster is started on a free loopback port (as the
# postgres user, in a temp dir) and removed afterwards. Prints both figures
# and the ratio; SECONDS_PER_RUN overrides the 10 s, STUB_BIN runs a binary
# already built instead of building the release preset.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SECONDS_PER_RUN:-10}"
url="${1:-}"
tmp=""
cleanup() {
  if [ -n "$tmp" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "vs_pgbench: PostgreSQL is not installed (bash scripts/setup.sh)" >&2; exit 2; }

if [ -z "$url" ]; then
  tmp=$(mktemp -d /tmp/stub-pgbench.XXXXXX)
  chown postgres "$tmp"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$pgbin/initdb" -D "$tmp/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$tmp -c max_connections=200" \
    start >/dev/null
  url="postgresql://postgres@127.0.0.1:$port/postgres"
fi

stub="${STUB_BIN:-}"
if [ -z "$stub" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target stub >/dev/null
  stub=./build/release/stub
fi

"$pgbin/pgbench" -i -s 1 -q "$url" >/dev/null 2>&1
pg_out=$("$pgbin/pgbench" -c 8 -j 2 -T "$seconds" -M prepared "$url" 2>&1)
pg_tps=$(printf '%s\n' "$pg_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)

depth="${DEPTH:-128}"
one_json=$("$stub" bench --db "$url" --hot --clients 8 --seconds "$seconds" --json)
deep_json=$("$stub" bench --db "$url" --hot --clients 8 --depth "$depth" \
  --seconds "$seconds" --json)

python3 - "$pg_tps" "$one_json" "$deep_json" <<'PY'
import json, sys
pg = float(sys.argv[1])
print(f"pgbench tpcb-like, scale 1, 8 clients, {pg:,.0f} TPS")
for raw in sys.argv[2:]:
    r = json.loads(raw)
    label = f"stub bench --hot, 8 clients x {r['depth']} in flight"
    print(f"{label}: {r['spends_per_sec']:,.0f} spends/s = {r['spends_per_sec'] / pg:.1f}x "
          f"(mean batch {r['mean_batch']:.1f}, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
          f"{r['serialization_failures']} serialization failures)")
PY
