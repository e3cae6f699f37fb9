#!/usr/bin/env bash
# Questions over 1,000,000 spends: "totals by team for a month" (October 2026)
# answered 100 times on SQLite and on PostgreSQL; prints p50 and p99.
#
#   bash bench/query_bench.sh [PGURL]
#
# The spends are bulk-loaded once per store (direct store inserts) into a
# temp SQLite file and, without PGURL, a throwaway PostgreSQL cluster started
# on a free loopback port (as the postgres user) and removed afterwards.
# SPENDS (default 1000000) and DAYS (default 365: about 85,000 of the spends
# fall in the month asked about; DAYS=31 puts them nearly all in it) change
# the data.
set -euo pipefail
cd "$(dirname "$0")/.."

spends="${SPENDS:-1000000}"
days="${DAYS:-365}"
url="${1:-}"
tmp=$(mktemp -d /tmp/stub-querybench.XXXXXX)
pgdata=""
cleanup() {
  if [ -n "$pgdata" ]; then
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$url" ]; then
  [ -n "$pgbin" ] || { echo "query_bench: PostgreSQL is not installed (bash scripts/setup.sh)" >&2; exit 2; }
  chown postgres "$tmp"
  pgdata="$tmp/data"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$pgbin/initdb" -D "$pgdata" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -l "$tmp/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$tmp" start >/dev/null
  url="postgresql://postgres@127.0.0.1:$port/postgres"
fi

cmake --preset release >/dev/null
cmake --build --preset release --target stub_bench >/dev/null

for db in "sqlite:$tmp/query.db" "$url"; do
  kind=${db%%:*}
  echo "== $kind: $spends spends over $days days"
  STUB_QUERY_BENCH_DB="$db" STUB_QUERY_BENCH_SPENDS="$spends" STUB_QUERY_BENCH_DAYS="$days" \
    ./build/release/stub_bench --benchmark_filter=BM_QueryTotalsByTeamForAMonth \
    --benchmark_counters_tabular=true
done
