#include "server/stub_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace stub {
namespace {

// The gateway's routes take larger bodies than the rest of the API; they and
// x402 fetches wait on someone else, in a lane of their own.
ServerOptions WithGatewayRoutes(ServerOptions options) {
  options.http.large_body_prefix = std::string(kLlmPathPrefix);
  options.http.max_large_body_bytes = std::max(options.http.max_body_bytes, kMaxLlmBodyBytes);
  options.http.slow_lane_prefixes = {std::string(kLlmPathPrefix), std::string(kX402PathPrefix)};
  return options;
}

}  // namespace

StubServer::StubServer(Store& store, const Clock& clock, ServerOptions options)
    : options_(WithGatewayRoutes(std::move(options))),
      engine_(store, clock, options_.engine),
      batcher_(engine_, options_.batcher),
      keys_(store, clock, options_.keys),
      sessions_(store, clock, options_.sessions),
      auth_(keys_, options_.root_key,
            AuthOptions{.sessions = &sessions_, .behind_tls = options_.cookie_secure}),
      ui_(options_.ui),
      providers_(store, engine_, clock, options_.secret_key),
      providers_handler_(providers_, auth_),
      gateway_(engine_, batcher_, providers_, auth_, options_.llm_timeouts),
      signers_(signer_pool_),
      wallets_handler_(engine_, signers_, auth_),
      x402_payments_(engine_, batcher_, signers_, clock),
      x402_payer_(x402_payments_, options_.allow_private_fetch, options_.fetch_timeouts),
      x402_mcp_payer_(x402_payments_, options_.allow_private_fetch, options_.fetch_timeouts),
      x402_handler_(x402_payer_, x402_mcp_payer_, auth_),
      api_(store, clock, engine_, batcher_, keys_, auth_, sessions_, ui_, options_.streams,
           options_.ready_timeout),
      http_(std::make_unique<HttpServer>(
          options_.http, [this](ApiRequest& r) { return api_.Handle(r); },
          [this](ApiRequest& r) { return api_.TryHandleOnLoop(r); })) {
  providers_handler_.AddRoutes(api_.routes());
  gateway_.AddRoutes(api_.routes());
  wallets_handler_.AddRoutes(api_.routes());
  x402_handler_.AddRoutes(api_.routes());
  api_.SetTransportStats([this] { return http_->GetStats(); });
}

StubServer::~StubServer() {
  http_.reset();  // joins the workers: no request is in flight past here
}

Status StubServer::Start() {
  for (const std::string& spec : options_.signers) STUB_RETURN_IF_ERROR(signers_.Register(spec));
  if (options_.root_key.empty()) {
    STUB_ASSIGN_OR_RETURN(created_root_key_, keys_.EnsureRootKey());
  }
  STUB_RETURN_IF_ERROR(http_->Start());
  http_->Every(options_.expiry_interval, [this] {
    const std::size_t n = api_.ExpireDueHolds();
    if (n > 0) spdlog::info("expired {} hold(s)", n);
  });
  http_->Every(options_.session_sweep_interval, [this] {
    auto n = sessions_.SweepExpired();
    if (!n.ok()) {
      spdlog::warn("sweeping expired sessions failed: {}", n.status().ToString());
    } else if (*n > 0) {
      spdlog::info("deleted {} expired session(s)", *n);
    }
  });
  if (options_.handle_signals) {
    http_->StopOnSignals([](int signal) {
      spdlog::info("signal {}: stopping (finishing in-flight requests)", signal);
    });
  }
  return Status::Ok();
}

void StubServer::Run() {
  http_->Run();
  spdlog::info("stopped accepting; in-flight requests answered");
}

}  // namespace stub
