#!/usr/bin/env bash
# Stub vs pgbench on the same PostgreSQL server, side by side in one run.
#
#   bash bench/vs_pgbench.sh [PGURL]
#
# pgbench tpcb-like (scale 1, 8 clients, 10 s) is the ceiling for
# one-update-per-transaction on a hot row; `stub bench --hot` (8 clients,
# 10 s, every spend on one org and one team) goes past it by group commit.
# Without PGURL a throwaway cluster is started on a free loopback port (as the
# postgres user, in a temp dir) and removed afterwards. Prints both figures
# and the ratio; SECONDS_PER_RUN overrides the 10 s.
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

cmake --preset release >/dev/null
cmake --build --preset release --target stub >/dev/null

"$pgbin/pgbench" -i -s 1 -q "$url" >/dev/null 2>&1
pg_out=$("$pgbin/pgbench" -c 8 -j 2 -T "$seconds" -M prepared "$url" 2>&1)
pg_tps=$(printf '%s\n' "$pg_out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n 1)

stub_json=$(./build/release/stub bench --db "$url" --hot --clients 8 --seconds "$seconds" --json)
stub_sps=$(printf '%s' "$stub_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spends_per_sec"])')

python3 - "$pg_tps" "$stub_sps" "$stub_json" <<'PY'
import json, sys
pg, stub, report = float(sys.argv[1]), float(sys.argv[2]), json.loads(sys.argv[3])
print(f"pgbench tpcb-like, scale 1, 8 clients: {pg:,.0f} TPS")
print(f"stub bench --hot, 8 clients:           {stub:,.0f} spends/s "
      f"(mean batch {report['mean_batch']:.1f}, p99 {report['p99_ms']:.2f} ms, "
      f"{report['serialization_failures']} serialization failures)")
print(f"ratio: {stub / pg:.1f}x")
PY
