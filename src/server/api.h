// The endpoints of API v1 (see /work/shared/API.md, the contract): one
// router, authentication and role checks per route, strict JSON input, and
// every error through ErrorResponse. Spends go through the SpendBatcher
// (group commit); everything else calls the Engine or reads the Store.
//
// Handle() blocks on the database: call it from a worker thread, never from
// the event loop; TryHandleOnLoop() never blocks. A spend's answer is deferred
// (ApiResponse::pending): it arrives from the batcher once its batch is durable. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/key_service.h"
#include "engine/query_service.h"
#include "engine/read_service.h"
#include "server/api_types.h"
#include "server/auth.h"
#include "server/feed_hub.h"
#include "server/http_server.h"
#include "server/json_body.h"
#include "server/mcp_handler.h"
#include "server/router.h"
#include "server/session_handler.h"
#include "server/spends_handler.h"
#include "server/store_probe.h"
#include "server/stream_limiter.h"
#include "server/ui_handler.h"
#include "store/store.h"

namespace stub {

class Api {
 public:
  // Every reference must outlive the Api. `sessions` backs /v1/session;
  // `ui` answers the paths no route has (the dashboard, issue 20).
  // /readyz answers 503 when the store does not answer within
  // `ready_timeout` or the batcher is stalled (SpendBatcher::Stalled).
  Api(Store& store, const Clock& clock, Engine& engine, SpendBatcher& batcher, KeyService& keys,
      const Authenticator& auth, SessionService& sessions, const UiHandler& ui,
      StreamOptions streams = {},
      std::chrono::milliseconds ready_timeout = std::chrono::milliseconds{1000});

  // Where /metrics reads the transport's figures (connections, the gateway's
  // lane); none: not reported. Call before serving.
  void SetTransportStats(std::function<HttpServer::Stats()> stats) {
    transport_stats_ = std::move(stats);
  }

  ApiResponse Handle(const ApiRequest& request);
  // The answer when it can be had without blocking (for the event loop):
  // healthz, and a spend whose caller's key is in the key cache and whose
  // body is at most 64 KiB. nullopt: call Handle on a worker instead.
  std::optional<ApiResponse> TryHandleOnLoop(const ApiRequest& request);

  // Expires due holds of every org (what the server's periodic task calls).
  // Returns how many were expired.
  std::size_t ExpireDueHolds();

  const Router& router() const { return router_; }
  // During setup only: where the handlers of other resources (providers,
  // the LLM gateway) add their routes, answered and observed like these.
  Router& routes() { return router_; }

  // Event streams open now for `org` in this process.
  std::size_t OpenStreams(std::string_view org) const { return streams_.OpenForOrg(org); }

 private:
  // An endpoint: its principal already authenticated.
  using Endpoint = ApiResponse (Api::*)(const ApiRequest&, const PathParams&, const Principal&);
  // Registers a route whose caller's key is read from the store (kFresh), or,
  // with kCached, possibly from the key cache: only for spends and holds,
  // whose transactions re-check the key (SpendRequest::key_check).
  void Authed(std::string method, std::string_view pattern, Endpoint endpoint,
              KeyFreshness freshness = KeyFreshness::kFresh);
  // The route handler that authenticates the caller, then calls `endpoint`.
  RouteHandler AuthedHandler(Endpoint endpoint, KeyFreshness freshness);
  // A route whose endpoint never blocks once its caller is authenticated:
  // it runs on the event loop when the caller's key is in the key cache
  // (kCacheOnly), else on a worker with kCached — so it must re-check the key
  // in its transaction, like spends.
  void AuthedOnLoop(std::string method, std::string_view pattern, Endpoint endpoint);
  // kOnLoop: the endpoint never blocks and may run on the event loop.
  enum class Where { kOnWorker, kOnLoop };
  void Open(std::string method, std::string_view pattern,
            ApiResponse (Api::*endpoint)(const ApiRequest&, const PathParams&),
            Where where = Where::kOnWorker);
  // Counts and times `response` (a deferred one when it arrives).
  ApiResponse Observed(const ApiRequest& request, ApiResponse response,
                       std::chrono::steady_clock::time_point start);

  // --- operations (no auth) ---
  ApiResponse Healthz(const ApiRequest&, const PathParams&);
  ApiResponse Readyz(const ApiRequest&, const PathParams&);
  ApiResponse Metrics(const ApiRequest&, const PathParams&);
  ApiResponse OpenApi(const ApiRequest&, const PathParams&);

  // --- dashboard sessions (SessionHandler) and files (UiHandler) ---
  ApiResponse CreateSession(const ApiRequest&, const PathParams&);
  ApiResponse GetSession(const ApiRequest&, const PathParams&);
  ApiResponse DeleteSession(const ApiRequest&, const PathParams&);

  // --- orgs, keys, tree (api_admin.cc) ---
  ApiResponse CreateOrg(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse CreateKey(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse ListKeys(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse RevokeKey(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse PutOrg(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse GetOrg(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse PutTeam(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse PutAgent(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse PutTreeNode(const ApiRequest&, const Principal&, Node node, bool team);
  ApiResponse GetBudgets(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse GetBudget(const ApiRequest&, const PathParams&, const Principal&);

  // --- money (api_money.cc) ---
  ApiResponse PostSpend(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse PostHold(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse CaptureHold(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse VoidHold(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse GetHold(const ApiRequest&, const PathParams&, const Principal&);
  // The hold `id` if `p` may act on it: its org's, and an agent key's own.
  Result<stub::Hold> HoldFor(const Principal& p, std::string_view id);
  ApiResponse OutcomeResponse(const SpendResult& result, int approved_status);

  // --- safety (api_safety.cc) ---
  ApiResponse PutPolicy(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse GetPolicy(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse FreezeAgent(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse UnfreezeAgent(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse SetFrozen(const ApiRequest&, const PathParams&, const Principal&, bool frozen);
  ApiResponse KillSwitch(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse ListApprovals(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse ApproveApproval(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse DenyApproval(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse DecideApproval(const ApiRequest&, const PathParams&, const Principal&, bool approve);

  // --- audit (api_audit.cc) ---
  ApiResponse ListSpends(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse GetSpend(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse Journal(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse VerifyOrg(const ApiRequest&, const PathParams&, const Principal&);
  ApiResponse Events(const ApiRequest&, const PathParams&, const Principal&);

  // Metrics (and a log line for a 5xx) of one answered request.
  void Observe(std::string_view request_id, std::string_view path, const ApiResponse& response,
               std::chrono::steady_clock::time_point start);

  // --- questions (api_query.cc) ---
  ApiResponse Query(const ApiRequest&, const PathParams&, const Principal&);

  void Count(const ApiResponse& response);
  void CountOutcome(const Outcome& outcome);

  Store& store_;
  const Clock& clock_;
  Engine& engine_;
  SpendBatcher& batcher_;
  KeyService& keys_;
  const Authenticator& auth_;
  QueryService queries_;
  ReadService reads_;       // lists, look-ups, the event feed's tail
  SpendsHandler spends_;    // GET /v1/spends, /v1/spends/{id}
  SessionHandler session_;  // /v1/session
  const UiHandler& ui_;     // GET / and the dashboard's files
  StreamLimiter streams_;   // GET /v1/events caps
  FeedHub feeds_;           // GET /v1/events: one store reader per org
  Router router_;
  const std::chrono::milliseconds ready_timeout_;
  StoreProbe probe_;
  McpHandler mcp_;  // POST /mcp, GET /v1/me (issue 21)

  mutable std::mutex metrics_mu_;
  std::map<int, std::uint64_t> responses_by_status_;
  std::map<std::string, std::uint64_t> outcomes_;  // "approved", "held", "denied:<reason>"
  std::atomic<std::uint64_t> holds_expired_{0};
  std::function<HttpServer::Stats()> transport_stats_;
  // Handling time (worker side, queueing excluded), a Prometheus histogram.
  static constexpr std::array<double, 11> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> latency_counts_{};
  std::atomic<std::uint64_t> latency_sum_us_{0};
};

// A JSON response.
ApiResponse JsonResponse(int status, const Json& body);

}  // namespace stub
