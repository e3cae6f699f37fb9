#!/usr/bin/env bash
# POST /v1/spends against GET /healthz on the same `stub serve`, side by side.
#
#   bash bench/http_bench.sh
#
# Starts `stub serve --demo` on a throwaway SQLite file on a free loopback
# port, then runs wrk (Debian's, installed by scripts/setup.sh): ROUNDS pairs
# (default 3) of healthz and spends with each of CONNECTIONS connection counts
# (default "32 256 512") for SECONDS_PER_RUN (default 10) each, the median of the
# pairs' ratios being the figure; then spends on 1 and 4 connections with
# latency percentiles (closed loop). Then the open-loop latency: `stub
# loadgen` at RATE spends/s (default 1000) on LOADGEN_CONNECTIONS connections
# (default 16), latency measured from each request's scheduled send time,
# printed as JSON. Every spend is 0.000001 by one agent (bench-1, in a team
# of its own under the demo org, neither with limits) with a unique
# idempotency key (all approved). Prints each figure and each pair's
# spends/healthz ratio; removes the file after. STUB=path runs another stub
# binary (e.g. an older build) as is; LOADGEN=path picks the binary whose
# `stub loadgen` drives the open loop; PAIRS_ONLY=1 stops after the pairs.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SECONDS_PER_RUN:-10}"
conns="${CONNECTIONS:-32 256 512}"  # one or more connection counts
rate="${RATE:-1000}"
lg_conns="${LOADGEN_CONNECTIONS:-16}"
command -v wrk >/dev/null || { echo "http_bench: wrk is missing (bash scripts/setup.sh)" >&2; exit 2; }

stub="${STUB:-}"
if [ -z "$stub" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target stub >/dev/null
  stub=./build/release/stub
fi
loadgen="${LOADGEN:-./build/release/stub}"  # the load generator: this tree's unless LOADGEN says
[ -x "$loadgen" ] || cmake --build --preset release --target stub >/dev/null

tmp=$(mktemp -d /tmp/stub-http-bench.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$stub" serve --demo --db "sqlite:$tmp/stub.db" --listen 127.0.0.1:0 \
  >"$tmp/out" 2>"$tmp/err" &
server=$!
for _ in $(seq 1 600); do
  grep -q '^Listening on ' "$tmp/out" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^Listening on //p' "$tmp/out")
key=$(sed -n 's/^  admin key (shown once): //p' "$tmp/out")
[ -n "$url" ] && [ -n "$key" ] || { echo "http_bench: stub serve did not start" >&2; cat "$tmp/err" >&2; exit 1; }

# The spends go to an agent of their own, in a team of its own, with no limits
# but the org's: a demo agent's daily limit ($2 to $5) is a few million spends
# of 0.000001, fewer than ROUNDS pairs at several connection counts make.
agent=bench-1
python3 - "$url" "$key" "$agent" <<'PY'
import json, sys, urllib.request
url, key, agent = sys.argv[1], sys.argv[2], sys.argv[3]
for path, body in (("/v1/teams/bench", {"name": "Benchmark"}),
                   ("/v1/agents/" + agent, {"team": "bench", "name": "Benchmark agent"})):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="PUT",
                                 headers={"Authorization": "Bearer " + key,
                                          "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY

# Every spend gets its own idempotency key: wrk runs one Lua state per
# thread, so the key carries the thread's number (from setup) and a nonce per
# wrk run (its argument), not just a counter. Identical keys would be
# answered as idempotent replays, which never reach the journal.
# The request head and the body's constant part are built once per thread
# (init), so that per request the client only appends the counter: wrk
# shares the 2 cores with the server, and wrk.format per request cost it
# ~35 µs of CPU per spend against ~19 µs per healthz (~29 µs this way).
cat >"$tmp/spend.lua" <<LUA
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local head, body_start = "", ""
function init(args)
  body_start = '{"agent":"$agent","amount":"0.000001","vendor":"api.openai.com",'
    .. '"category":"llm","idempotency_key":"wrk-' .. args[1] .. "-" .. tostring(tid) .. "-"
  head = "POST /v1/spends HTTP/1.1\\r\\nHost: " .. wrk.headers["Host"]
    .. "\\r\\nContent-Type: application/json\\r\\nAuthorization: Bearer $key"
    .. "\\r\\nContent-Length: "
end
local n = 0
request = function()
  n = n + 1
  local body = body_start .. n .. '"}'
  return head .. #body .. "\\r\\n\\r\\n" .. body
end
LUA

# The disk's durable-commit latency, next to the figures: every spend waits
# for one fdatasync (pipelined), so it bounds spend latency, and with a fixed
# number of connections (Little's law) spend throughput. fsync_probe COUNT
# PAUSE_S WHEN: COUNT 8 kB writes, each fdatasynced, PAUSE_S apart.
fsync_probe() {
  python3 - "$tmp/fsync.probe" "$1" "$2" "$3" <<'PY'
import os, sys, time
path, count, pause, when = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
ts = []
for i in range(count):
    os.pwrite(fd, b"x" * 8192, (i % 16) * 8192)
    t = time.perf_counter()
    os.fdatasync(fd)
    ts.append(time.perf_counter() - t)
    time.sleep(pause)
ts.sort()
q = lambda p: ts[int(p * (len(ts) - 1))] * 1e3
print(f"fdatasync of 8 kB on this disk {when}: p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, "
      f"max {ts[-1] * 1e3:.2f} ms")
PY
}
fsync_probe 200 0 now
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
# Spends the server approved so far (replays are not counted there).
approved() {
  python3 - "$url/metrics" <<'PY'
import re, sys, urllib.request
text = urllib.request.urlopen(sys.argv[1]).read().decode()
print(sum(int(m) for m in re.findall(r'^stub_spend_outcomes_total\{status="approved"\} (\d+)$', text, re.M)))
PY
}
# ROUNDS pairs of runs per connection count (default 3), healthz then spends,
# each pair back to back: the VM's speed drifts by tens of percent within
# minutes, so a ratio is taken within its own pair, and the median of the
# pairs' ratios is the figure. A durable spend waits for its batch's
# fdatasync, so with few connections spends are bound by latency (Little's
# law) while healthz is bound by the event loop's CPU at any count.
rounds="${ROUNDS:-3}"
for c in $conns; do
  ratios=""
  for round in $(seq 1 "$rounds"); do
    health=$(wrk -t2 -c"$c" -d"${seconds}s" "$url/healthz" | rps)
    before=$(approved)
    spends_out=$(wrk -t2 -c"$c" -d"${seconds}s" -s "$tmp/spend.lua" "$url/" -- "$(date +%s%N)")
    after=$(approved)
    spends=$(printf '%s\n' "$spends_out" | rps)
    answered=$(printf '%s\n' "$spends_out" | sed -n 's/^ *\([0-9]*\) requests in .*/\1/p')
    if printf '%s\n' "$spends_out" | grep -q 'Non-2xx'; then
      echo "http_bench: some spends were not approved:" >&2
      printf '%s\n' "$spends_out" >&2
    fi
    # wrk counts the answers it read; the server may approve up to one more per
    # connection that wrk stopped waiting for. Fewer approvals means replays.
    [ -n "$answered" ] || { echo "http_bench: no request count in wrk's output" >&2; exit 1; }
    if [ $((after - before)) -lt "$answered" ] || [ $((after - before)) -gt $((answered + c)) ]; then
      echo "http_bench: wrk got $answered answers but the server approved $((after - before)) new spends" >&2
      exit 1
    fi
    read -r ratio percent < <(python3 -c "r = $spends / $health; print(f'{r:.3f} {r:.0%}')")
    ratios="$ratios $ratio"
    echo "$c connections, pair $round: GET /healthz $health req/s, POST /v1/spends $spends spends/s," \
      "spends / healthz $percent"
  done
  python3 -c "import statistics; r = [float(x) for x in '$ratios'.split()]; print(f'spends / healthz at $c connections: median {statistics.median(r):.0%} of {len(r)} pairs (range {min(r):.0%}-{max(r):.0%})')"
done
# PAIRS_ONLY=1 (bench/ab_pairs.sh): the pairs above are the whole run.
[ "${PAIRS_ONLY:-0}" = 1 ] && exit 0
for c in 1 4; do
  out=$(wrk -t1 -c"$c" -d"${seconds}s" --latency -s "$tmp/spend.lua" "$url/" -- "$(date +%s%N)")
  p50=$(printf '%s\n' "$out" | awk '$1 == "50%" {print $2}')
  p99=$(printf '%s\n' "$out" | awk '$1 == "99%" {print $2}')
  echo "POST /v1/spends, $c connection(s): $(printf '%s\n' "$out" | rps) spends/s, p50 $p50, p99 $p99"
done
# The disk is probed (100 fdatasyncs a second) during this run too: when the
# VM's disk stalls, every durable spend in flight waits, and the open loop's
# send lag grows with it (its connections are all waiting for answers), so
# a send lag alone does not tell a stalled client from a stalled server.
echo "POST /v1/spends at a fixed $rate/s (open loop, $lg_conns connections, ${seconds}s):"
probe_count=$(python3 -c "print(int(float('$seconds') * 100))")
fsync_probe "$probe_count" 0.01 "during it" >"$tmp/probe.out" &
probe=$!
"$loadgen" loadgen --json --url "$url" --key "$key" --agent "$agent" --amount 0.000001 \
  --rate "$rate" --seconds "$seconds" --connections "$lg_conns" || true
wait "$probe"
cat "$tmp/probe.out"
