#include "server/api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "server/api_error.h"
#include "server/event_feed.h"
#include "server/json_views.h"
#include "server/llm_translator.h"
#include "server/openapi.h"
#include "server/pending_answer.h"

namespace stub {

ApiResponse JsonResponse(int status, const Json& body) {
  ApiResponse r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

Api::Api(Store& store, const Clock& clock, Engine& engine, SpendBatcher& batcher, KeyService& keys,
         const Authenticator& auth, SessionService& sessions, const UiHandler& ui,
         StreamOptions streams, std::chrono::milliseconds ready_timeout)
    : store_(store),
      clock_(clock),
      engine_(engine),
      batcher_(batcher),
      keys_(keys),
      auth_(auth),
      queries_(store, QueryServiceOptionsFromEnv()),
      reads_(store),
      spends_(reads_),
      session_(sessions, auth),
      ui_(ui),
      streams_(streams),
      feeds_(reads_, engine.commit_signal(), streams),
      ready_timeout_(ready_timeout),
      probe_(store),
      mcp_(router_, auth_) {
  Open("GET", "/healthz", &Api::Healthz, Where::kOnLoop);
  Open("GET", "/readyz", &Api::Readyz);
  Open("GET", "/metrics", &Api::Metrics);
  Open("GET", "/openapi.json", &Api::OpenApi);

  // Dashboard sessions: sign-in takes the key in the body; the others read
  // the cookie themselves.
  Open("POST", "/v1/session", &Api::CreateSession);
  Open("GET", "/v1/session", &Api::GetSession);
  Open("DELETE", "/v1/session", &Api::DeleteSession);
  router_.SetFallback(
      [this](const ApiRequest& request, const PathParams&) { return ui_.Serve(request); });

  Authed("POST", "/v1/orgs", &Api::CreateOrg);
  Authed("POST", "/v1/keys", &Api::CreateKey);
  Authed("GET", "/v1/keys", &Api::ListKeys);
  Authed("DELETE", "/v1/keys/{id}", &Api::RevokeKey);
  Authed("PUT", "/v1/org", &Api::PutOrg);
  Authed("GET", "/v1/org", &Api::GetOrg);
  Authed("PUT", "/v1/teams/{id}", &Api::PutTeam);
  Authed("PUT", "/v1/agents/{id}", &Api::PutAgent);
  Authed("GET", "/v1/budgets", &Api::GetBudgets);
  Authed("GET", "/v1/budgets/{node}", &Api::GetBudget);

  AuthedOnLoop("POST", "/v1/spends", &Api::PostSpend);
  Authed("GET", "/v1/spends", &Api::ListSpends);
  Authed("GET", "/v1/spends/{id}", &Api::GetSpend);
  Authed("POST", "/v1/holds", &Api::PostHold, KeyFreshness::kCached);
  Authed("GET", "/v1/holds/{id}", &Api::GetHold);
  Authed("POST", "/v1/holds/{id}/capture", &Api::CaptureHold);
  Authed("POST", "/v1/holds/{id}/void", &Api::VoidHold);

  Authed("GET", "/v1/journal", &Api::Journal);
  Authed("GET", "/v1/verify", &Api::VerifyOrg);

  // Policies, approvals, safety and questions.
  Authed("POST", "/v1/agents/{id}/freeze", &Api::FreezeAgent);
  Authed("POST", "/v1/agents/{id}/unfreeze", &Api::UnfreezeAgent);
  Authed("POST", "/v1/kill-switch", &Api::KillSwitch);
  Authed("PUT", "/v1/policies/{node}", &Api::PutPolicy);
  Authed("GET", "/v1/policies/{node}", &Api::GetPolicy);
  Authed("GET", "/v1/approvals", &Api::ListApprovals);
  Authed("POST", "/v1/approvals/{id}/approve", &Api::ApproveApproval);
  Authed("POST", "/v1/approvals/{id}/deny", &Api::DenyApproval);
  Authed("POST", "/v1/query", &Api::Query);
  Authed("GET", "/v1/events", &Api::Events);

  // MCP (issue 21): its tools call the routes above through router_.
  mcp_.AddRoutes(router_);
}

RouteHandler Api::AuthedHandler(Endpoint endpoint, KeyFreshness freshness) {
  return [this, endpoint, freshness](const ApiRequest& request, const PathParams& params) {
    auto principal = auth_.Authenticate(request, freshness);
    if (!principal.ok()) return ErrorResponse(principal.status());
    return (this->*endpoint)(request, params, *principal);
  };
}

void Api::Authed(std::string method, std::string_view pattern, Endpoint endpoint,
                 KeyFreshness freshness) {
  router_.Add(std::move(method), pattern, AuthedHandler(endpoint, freshness));
}

void Api::AuthedOnLoop(std::string method, std::string_view pattern, Endpoint endpoint) {
  // Bodies past this are parsed on a worker: parsing a megabyte of JSON
  // would stall every other connection on the loop.
  constexpr std::size_t kLoopBodyLimit = 64 * 1024;
  auto on_loop = [this, endpoint](const ApiRequest& request,
                                  const PathParams& params) -> std::optional<ApiResponse> {
    if (request.body.size() > kLoopBodyLimit) return std::nullopt;
    auto principal = auth_.Authenticate(request, KeyFreshness::kCacheOnly);
    if (!principal.ok()) {
      if (principal.status().reason() == kKeyNotCached) return std::nullopt;
      return ErrorResponse(principal.status());
    }
    return (this->*endpoint)(request, params, *principal);
  };
  router_.Add(std::move(method), pattern, AuthedHandler(endpoint, KeyFreshness::kCached),
              std::move(on_loop));
}

void Api::Open(std::string method, std::string_view pattern,
               ApiResponse (Api::*endpoint)(const ApiRequest&, const PathParams&), Where where) {
  RouteHandler handler = [this, endpoint](const ApiRequest& request, const PathParams& params) {
    return (this->*endpoint)(request, params);
  };
  LoopHandler on_loop;
  if (where == Where::kOnLoop) {
    on_loop = [handler](const ApiRequest& request, const PathParams& params) {
      return std::optional<ApiResponse>(handler(request, params));
    };
  }
  router_.Add(std::move(method), pattern, std::move(handler), std::move(on_loop));
}

ApiResponse Api::Handle(const ApiRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  return Observed(request, router_.Handle(request), start);
}

std::optional<ApiResponse> Api::TryHandleOnLoop(const ApiRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  std::optional<ApiResponse> response = router_.TryOnLoop(request);
  if (!response) return std::nullopt;
  return Observed(request, std::move(*response), start);
}

ApiResponse Api::Observed(const ApiRequest& request, ApiResponse response,
                          std::chrono::steady_clock::time_point start) {
  if (!response.pending) {
    Observe(request.request_id, request.path, response, start);
    return response;
  }
  // A deferred answer (a spend in a batch): observed when it arrives.
  response.pending->AddTap([this, start, request_id = request.request_id,
                            path = request.path](const ApiResponse& answer) {
    Observe(request_id, path, answer, start);
  });
  return response;
}

void Api::Observe(std::string_view request_id, std::string_view path, const ApiResponse& response,
                  std::chrono::steady_clock::time_point start) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  const double seconds = static_cast<double>(us) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  latency_counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<std::uint64_t>(us), std::memory_order_relaxed);
  if (response.status >= 500) {
    spdlog::error("request_id={} path={} answered {}: {}", request_id, path, response.status,
                  response.body);
  }
  Count(response);
}

std::size_t Api::ExpireDueHolds() {
  const Timestamp now = clock_.Now();
  std::vector<std::string> due;
  {
    auto txn = store_.Begin({.read_only = true});
    if (!txn.ok()) return 0;
    auto orgs = (*txn)->ListOrgs();
    if (!orgs.ok()) return 0;
    for (const auto& id : *orgs) {
      auto org = (*txn)->GetOrg(id);
      if (org.ok() && *org && (*org)->next_hold_expiry <= now) due.push_back(id);
    }
  }
  std::size_t total = 0;
  for (const auto& id : due) {
    auto n = engine_.ExpireDueHolds(id);
    if (!n.ok()) {
      spdlog::warn("expiring holds of org {} failed: {}", id, n.status().ToString());
      continue;
    }
    total += *n;
  }
  holds_expired_ += total;
  return total;
}

ApiResponse Api::Healthz(const ApiRequest&, const PathParams&) {
  return JsonResponse(200, {{"ok", true}});
}

ApiResponse Api::Readyz(const ApiRequest&, const PathParams&) {
  const Status status = probe_.Check(ready_timeout_);
  const bool stalled = batcher_.Stalled();
  if (!status.ok() || stalled) {
    if (!status.ok()) spdlog::warn("readyz: the store does not answer: {}", status.ToString());
    if (stalled) spdlog::warn("readyz: the spend batcher is stalled");
    ApiResponse r = JsonResponse(503, {{"ok", false},
                                       {"store", std::string(store_.Kind())},
                                       {"store_answers", status.ok()},
                                       {"batcher_stalled", stalled}});
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  return JsonResponse(200, {{"ok", true}, {"store", std::string(store_.Kind())}});
}

ApiResponse Api::Events(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s =
          RequireRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover, KeyRole::kAgent});
      !s.ok()) {
    return ErrorResponse(s);
  }
  // The place is taken before the feed reads anything: a refused stream
  // costs no store read.
  auto lease = streams_.Acquire(p.key_id, p.org);
  if (!lease.ok()) return ErrorResponse(lease.status());
  auto feed =
      EventFeed::Open(feeds_, streams_.options(), p.org, p.role == KeyRole::kAgent ? p.agent : "",
                      request.Header("last-event-id"));
  if (!feed.ok()) return ErrorResponse(feed.status());
  ApiResponse r;
  r.content_type = "text/event-stream";
  // At once, before any event: the reconnection delay for EventSource and a
  // comment, so the browser's `open` fires without waiting for a commit.
  r.stream_prologue = std::string(kEventStreamPrologue);
  // The lease lives as long as the stream function: until the connection ends.
  auto state = std::make_shared<std::pair<EventFeed, std::unique_ptr<StreamLimiter::Lease>>>(
      std::move(*feed), std::move(*lease));
  r.stream = [state](std::string& out) { return state->first.Next(out); };
  return r;
}

void Api::Count(const ApiResponse& response) {
  std::lock_guard lock(metrics_mu_);
  ++responses_by_status_[response.status];
}

void Api::CountOutcome(const Outcome& outcome) {
  std::string key(OutcomeStatusName(outcome.status));
  if (outcome.denial) key += ":" + std::string(DenyReasonName(outcome.denial->reason));
  std::lock_guard lock(metrics_mu_);
  ++outcomes_[key];
}

ApiResponse Api::Metrics(const ApiRequest&, const PathParams&) {
  std::string out;
  out += "# HELP stub_http_responses_total HTTP responses by status code.\n";
  out += "# TYPE stub_http_responses_total counter\n";
  std::map<int, std::uint64_t> by_status;
  std::map<std::string, std::uint64_t> outcomes;
  {
    std::lock_guard lock(metrics_mu_);
    by_status = responses_by_status_;
    outcomes = outcomes_;
  }
  for (const auto& [status, n] : by_status) {
    out += "stub_http_responses_total{code=\"" + std::to_string(status) + "\"} " +
           std::to_string(n) + "\n";
  }
  out += "# HELP stub_spend_outcomes_total Spend, hold and capture answers (replays excluded).\n";
  out += "# TYPE stub_spend_outcomes_total counter\n";
  for (const auto& [key, n] : outcomes) {
    const auto colon = key.find(':');
    std::string labels = "status=\"" + key.substr(0, colon) + "\"";
    if (colon != std::string::npos) labels += ",reason=\"" + key.substr(colon + 1) + "\"";
    out += "stub_spend_outcomes_total{" + labels + "} " + std::to_string(n) + "\n";
  }
  out +=
      "# HELP stub_http_request_duration_seconds Time to handle a request (queueing excluded).\n";
  out += "# TYPE stub_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
    cumulative += latency_counts_[i].load(std::memory_order_relaxed);
    const std::string le =
        i < kLatencyBuckets.size() ? fmt::format("{}", kLatencyBuckets[i]) : "+Inf";
    out += "stub_http_request_duration_seconds_bucket{le=\"" + le + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += "stub_http_request_duration_seconds_sum " +
         fmt::format("{}", static_cast<double>(latency_sum_us_.load()) / 1e6) + "\n";
  out += "stub_http_request_duration_seconds_count " + std::to_string(cumulative) + "\n";
  const EngineStats e = engine_.Stats();
  const BatcherStats b = batcher_.Stats();
  auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(v) + "\n";
  };
  counter("stub_serialization_conflicts_total",
          "Transactions that failed with a conflict: serialization failures, and batches that "
          "met a replayed idempotency key.",
          e.conflicts);
  counter("stub_retries_total", "Transaction attempts beyond the first.", e.retries);
  counter("stub_contention_denials_total", "Spends denied after exhausting retries.", e.contention);
  counter("stub_batches_total", "Group-commit batches.", b.batches);
  counter("stub_batched_spends_total", "Spends applied through batches.", b.spends);
  counter("stub_batch_syncs_total", "Flushes that made committed batches durable.", b.syncs);
  counter("stub_spends_refused_total",
          "Spends, holds and captures refused at once, 503 overloaded: the batcher's queue was "
          "full (or it was shutting down).",
          b.refused);
  counter("stub_spends_timed_out_total",
          "Spends, holds and captures answered 503 overloaded at their deadline (stub serve "
          "--answer-timeout): the store did not answer in time.",
          b.timed_out);
  counter("stub_holds_expired_total", "Holds expired by the server's sweeper.",
          holds_expired_.load());
  if (transport_stats_) {
    const HttpServer::Stats t = transport_stats_();
    auto gauge = [&out](const char* name, const char* help, std::uint64_t v) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
             " " + std::to_string(v) + "\n";
    };
    gauge("stub_http_connections_open", "Open client connections.", t.open);
    counter("stub_http_connections_rejected_total",
            "Connections closed at once: the server was at its connection bound.", t.rejected);
    gauge("stub_gateway_calls_in_flight",
          "LLM gateway calls (streams included) not yet answered, each on a thread of the "
          "gateway's lane.",
          t.slow_in_flight);
    counter("stub_gateway_calls_refused_total",
            "LLM gateway calls answered 503 overloaded: every slot of the lane was taken "
            "(stub serve --gateway-calls).",
            t.slow_refused);
  }
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = std::move(out);
  return r;
}

ApiResponse Api::CreateSession(const ApiRequest& request, const PathParams&) {
  return session_.Create(request);
}

ApiResponse Api::GetSession(const ApiRequest& request, const PathParams&) {
  return session_.Get(request);
}

ApiResponse Api::DeleteSession(const ApiRequest& request, const PathParams&) {
  return session_.Delete(request);
}

ApiResponse Api::OpenApi(const ApiRequest&, const PathParams&) {
  return JsonResponse(200, OpenApiDocument(router_.Routes()));
}

}  // namespace stub
