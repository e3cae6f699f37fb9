// `stub loadgen`: an open-loop (rate-controlled) HTTP load generator for a
// running `stub serve`, the honest way to measure latency at a fixed rate.
//
// Request i (0-based) is scheduled at t0 + i / rate, whatever happened to the
// earlier ones; `connections` keep-alive connections take the requests in
// schedule order (a connection that is free takes the next one and waits for
// its scheduled time; when every connection is busy the next request waits
// for one). Each latency is measured from the request's *scheduled* send time
// to its whole answer, so a stall of the server shows up in the latency of
// every request that should have been sent during it (no coordinated
// omission). Closed-loop tools (wrk) measure from the actual send instead and
// under-report such stalls.
//
// Targets: `spend` — POST /v1/spends, each with its own idempotency key (all
// fresh spends, none a replay); `healthz` — GET /healthz.
//
// Runs on one thread (an Asio event loop). Not for use against a server one
// does not operate: it sends exactly what it is told to, as fast as told.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/status.h"

namespace stub {

struct LoadgenConfig {
  std::string url;               // http://host:port (a trailing "/" is ignored)
  std::string key;               // the Bearer key (spend target)
  std::string target = "spend";  // "spend" or "healthz"
  double rate = 1000;            // requests per second, > 0
  double seconds = 10;           // how long the schedule runs, > 0
  int connections = 16;
  // The spend each request makes (target "spend").
  std::string agent = "mkt-researcher-1";
  std::string amount = "0.000001";
  std::string vendor = "api.openai.com";
  std::string category = "llm";
  // A request not answered this long after it was sent counts as an error
  // (status 0) and its connection is reopened.
  double timeout_seconds = 10;
};

struct LoadgenReport {
  LoadgenConfig config;
  std::uint64_t scheduled = 0;             // round(rate × seconds)
  std::uint64_t answered = 0;              // got an HTTP answer (any status)
  std::uint64_t ok = 0;                    // 2xx
  std::map<int, std::uint64_t> by_status;  // status → count; 0: no answer (connection error)
  double elapsed = 0;                      // first scheduled send to last answer, seconds
  double achieved_rate = 0;                // answered / elapsed
  // Latency from the scheduled send time, over answered requests, in ms.
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0, mean_ms = 0;
  // Worst delay between a request's scheduled time and its actual send (ms):
  // how far the client itself fell behind (all connections busy).
  double max_send_lag_ms = 0;
};

// Errors: kInvalidArgument for a bad config or URL (reason "usage");
// kUnavailable when no connection can be opened at the start.
Result<LoadgenReport> RunLoadgen(const LoadgenConfig& config);

// Exactly one JSON object.
std::string LoadgenReportJson(const LoadgenReport& report);
// A readable multi-line report.
std::string LoadgenReportText(const LoadgenReport& report);

}  // namespace stub
