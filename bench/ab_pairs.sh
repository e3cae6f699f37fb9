#!/usr/bin/env bash
# Throughput of two stub binaries, A (the baseline) and B, as back-to-back
# pairs: the regression check of a change.
#
#   A=/path/to/old/stub B=./build/release/stub bash bench/ab_pairs.sh
#
# ROUNDS rounds (default 3), each running A then B, or B then A on odd
# rounds (so that the VM's drift within a round favours neither), of:
#   - HTTP: bench/http_bench.sh's pair (GET /healthz, then POST /v1/spends)
#     at CONNECTIONS connections (default 256), SECONDS_PER_RUN each
#     (default 10), on a fresh demo server of that binary;
#   - `stub bench --hot` (8 clients, one spend in flight each) on a fresh
#     SQLite file and on one throwaway PostgreSQL cluster, a database per
#     binary (PGURL=… uses that server instead; it creates the databases).
# Prints every run, then per measure the median over rounds of B/A.
set -euo pipefail
cd "$(dirname "$0")/.."

a="${A:?A=path of the baseline stub binary}"
b="${B:?B=path of the stub binary under test}"
rounds="${ROUNDS:-3}"
seconds="${SECONDS_PER_RUN:-10}"
conns="${CONNECTIONS:-256}"

source bench/pg_throwaway.sh
tmp=$(mktemp -d /tmp/stub-ab.XXXXXX)
cleanup() {
  pg_throwaway_stop
  rm -rf "$tmp"
}
trap cleanup EXIT
url="${PGURL:-}"
if [ -z "$url" ]; then
  pg_throwaway_start
  url="$pg_url"
fi
# A database per binary: each migrates its own schema, and a baseline cannot
# open a schema newer than it knows.
for label in a b; do psql -q "$url" -c "CREATE DATABASE stub_ab_$label" >/dev/null; done
db_url() { printf '%s/stub_ab_%s' "${url%/*}" "$(printf '%s' "$1" | tr 'AB' 'ab')"; }

results="$tmp/results"
: >"$results"
run_one() {  # run_one LABEL BINARY ROUND
  local label=$1 bin=$2 round=$3 line health spends
  line=$(STUB="$bin" CONNECTIONS="$conns" ROUNDS=1 PAIRS_ONLY=1 SECONDS_PER_RUN="$seconds" \
    bash bench/http_bench.sh | grep ', pair 1:')
  health=$(printf '%s\n' "$line" | sed -n 's/.*GET \/healthz \([0-9.]*\) req\/s.*/\1/p')
  spends=$(printf '%s\n' "$line" | sed -n 's/.*POST \/v1\/spends \([0-9.]*\) spends\/s.*/\1/p')
  echo "$label http_healthz $round $health" >>"$results"
  echo "$label http_spends $round $spends" >>"$results"
  echo "$label http_ratio $round $(python3 -c "print($spends / $health)")" >>"$results"
  local sq pg
  sq=$("$bin" bench --db "sqlite:$tmp/$label-$round.db" --hot --clients 8 --seconds "$seconds" --json)
  echo "$label sqlite_hot $round $(printf '%s' "$sq" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spends_per_sec"])')" >>"$results"
  pg=$("$bin" bench --db "$(db_url "$label")" --hot --clients 8 --seconds "$seconds" --json)
  echo "$label postgres_hot $round $(printf '%s' "$pg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spends_per_sec"])')" >>"$results"
  grep " $round " "$results" | grep "^$label " | sed 's/^/  /'
}

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  if [ $((round % 2)) -eq 1 ]; then
    run_one A "$a" "$round"
    run_one B "$b" "$round"
  else
    run_one B "$b" "$round"
    run_one A "$a" "$round"
  fi
done

python3 - "$results" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(dict)
for line in open(sys.argv[1]):
    label, measure, rnd, value = line.split()
    runs[measure].setdefault(rnd, {})[label] = float(value)
print("B / A per measure (median over rounds; range):")
for measure, by_round in runs.items():
    r = [v["B"] / v["A"] for v in by_round.values() if "A" in v and "B" in v and v["A"] > 0]
    a = statistics.median(v["A"] for v in by_round.values())
    b = statistics.median(v["B"] for v in by_round.values())
    print(f"  {measure:14s} A {a:12,.2f}  B {b:12,.2f}  B/A {statistics.median(r):.3f} "
          f"({min(r):.3f}-{max(r):.3f})")
PY
