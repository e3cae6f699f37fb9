#!/usr/bin/env bash
# The LLM gateway's overhead (issue 21): the same OpenAI-style call sent
# straight to a local fake provider (stub_fake_llm) and through
# `stub serve`'s /llm/{provider}/v1/chat/completions, side by side.
#
#   bash bench/llm_gateway_bench.sh
#
# Starts stub_fake_llm and `stub serve` (a throwaway SQLite file, or
# DB=memory: / DB=postgres://…) on free loopback ports, creates an org, an
# agent without limits, its key and a provider pointing at the fake; then:
#   - latency, one connection, closed loop (wrk --latency, SECONDS_PER_RUN
#     each, default 10): p50/p99 direct and through the gateway; the
#     difference is the gateway's added latency;
#   - throughput at CONNECTIONS (default 64): calls/s direct and through,
#     and the CPU Stub, the fake provider and the rest (wrk) used meanwhile
#     (from /proc): calls/s with the fixture's and wrk's cost excluded is
#     calls/s × cores / Stub's cores;
#   - time to first byte of a streamed call (curl's time_starttransfer, the
#     median of STREAMS calls, default 200), direct and through.
# Every gateway call is a hold and a capture in the ledger; `stub verify`
# checks the books at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SECONDS_PER_RUN:-10}"
conns="${CONNECTIONS:-64}"
streams="${STREAMS:-200}"
command -v wrk >/dev/null || { echo "llm_gateway_bench: wrk is missing (bash scripts/setup.sh)" >&2; exit 2; }

cmake --preset release >/dev/null
cmake --build --preset release --target stub stub_fake_llm >/dev/null
stub=./build/release/stub
fake=./build/release/stub_fake_llm

tmp=$(mktemp -d /tmp/stub-llm-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

wait_line() {  # file prefix → the rest of the first line starting with prefix
  for _ in $(seq 1 600); do
    if grep -q "^$2" "$1" 2>/dev/null; then sed -n "s/^$2//p" "$1" | head -1; return; fi
    sleep 0.1
  done
  echo "llm_gateway_bench: no '$2' in $1" >&2; cat "$1" >&2; exit 1
}

"$fake" 0 >"$tmp/fake.out" 2>&1 &
pids+=($!)
fake_port=$(wait_line "$tmp/fake.out" "Listening on ")
direct="http://127.0.0.1:$fake_port/v1/chat/completions"

root=$(openssl rand -hex 24)
export STUB_ROOT_KEY="$root" STUB_SECRET_KEY="$(openssl rand -hex 32)"
db="${DB:-sqlite:$tmp/stub.db}"
"$stub" serve --db "$db" --listen 127.0.0.1:0 >"$tmp/stub.out" 2>"$tmp/stub.err" &
pids+=($!)
url=$(wait_line "$tmp/stub.out" "Listening on ")

api() {  # method path key [body]
  curl -sf -X "$1" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    ${4:+-d "$4"} "$url$2"
}
admin=$(api POST /v1/orgs "$root" '{"id":"bench","name":"bench"}' | sed -n 's/.*"admin_key":"\([^"]*\)".*/\1/p')
api PUT /v1/teams/t "$admin" '{}' >/dev/null
api PUT /v1/agents/a "$admin" '{"team":"t"}' >/dev/null
agent=$(api POST /v1/keys "$admin" '{"role":"agent","agent":"a"}' | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')
api PUT /v1/providers/fake "$admin" "{\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:$fake_port/v1\",\"api_key\":\"sk-bench\",\"models\":{\"bench-model\":{\"input\":\"0.15\",\"output\":\"0.60\"}}}" >/dev/null
gateway="$url/llm/fake/v1/chat/completions"

body='{"model":"bench-model","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
cat >"$tmp/call.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $agent"
LUA

echo "=== latency, 1 connection, ${seconds}s each (wrk --latency)"
for target in direct gateway; do
  t=$direct; [ "$target" = gateway ] && t=$gateway
  wrk -t1 -c1 -d"${seconds}s" --latency -s "$tmp/call.lua" "$t" >"$tmp/lat.$target"
  printf '%-8s p50 %s  p99 %s  (%s calls/s)\n' "$target" \
    "$(awk '$1=="50%"{print $2}' "$tmp/lat.$target")" "$(awk '$1=="99%"{print $2}' "$tmp/lat.$target")" \
    "$(awk '/Requests\/sec/{print $2}' "$tmp/lat.$target")"
done

cpu_ticks() {  # pid → user+system CPU time so far, in clock ticks
  sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
stub_pid=${pids[1]}
fake_pid=${pids[0]}
tick=$(getconf CLK_TCK)
cores=$(nproc)

echo "=== throughput, $conns connections, ${seconds}s each"
for target in direct gateway; do
  t=$direct; [ "$target" = gateway ] && t=$gateway
  stub0=$(cpu_ticks "$stub_pid"); fake0=$(cpu_ticks "$fake_pid")
  wrk -t2 -c"$conns" -d"${seconds}s" --latency -s "$tmp/call.lua" "$t" >"$tmp/tp.$target"
  stub1=$(cpu_ticks "$stub_pid"); fake1=$(cpu_ticks "$fake_pid")
  rate=$(awk '/Requests\/sec/{print $2}' "$tmp/tp.$target")
  printf '%-8s %s calls/s  p50 %s  non-2xx: %s\n' "$target" "$rate" \
    "$(awk '$1=="50%"{print $2}' "$tmp/tp.$target")" "$(awk '/Non-2xx/{print $NF}' "$tmp/tp.$target")"
  # Where the machine's CPU went: Stub, the fake provider, and the rest
  # (wrk, idle). The fixture's and the load
  # generator's cost excluded, Stub would serve rate × cores / stub_cores.
  awk -v s=$((stub1 - stub0)) -v f=$((fake1 - fake0)) -v hz="$tick" -v secs="$seconds" \
    -v cores="$cores" -v rate="$rate" -v target="$target" 'BEGIN {
      stub = s / hz / secs; fake = f / hz / secs
      printf "%-8s cpu: stub %.2f, fake provider %.2f, the rest (wrk, idle) %.2f of %d cores", target, stub, fake,
        cores - stub - fake, cores
      if (target == "gateway" && stub > 0)
        printf "; %.0f calls/s on %d cores of Stub alone (%.0f us of Stub CPU per call)",
          rate * cores / stub, cores, stub * 1e6 / rate
      printf "\n" }'
done

echo "=== time to first byte of a stream, median of $streams calls"
sbody='{"model":"bench-model","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}'
for target in direct gateway; do
  t=$direct; [ "$target" = gateway ] && t=$gateway
  for _ in $(seq 1 "$streams"); do
    curl -s -o /dev/null -w '%{time_starttransfer}\n' -H 'Content-Type: application/json' \
      -H "Authorization: Bearer $agent" -d "$sbody" "$t"
  done | sort -n | awk '{a[NR]=$1} END {printf "%-8s ttfb p50 %.3f ms\n", "'"$target"'", a[int((NR+1)/2)]*1000}'
done

echo "=== books"
api GET /v1/verify "$admin" | head -c 300; echo
