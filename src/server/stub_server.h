// The Stub server: engine, group-commit batcher, keys, the API and the HTTP
// transport over one Store, plus the periodic hold-expiry task.
//
// Lifecycle: Start (ensures a root key, binds), Run (blocks until Stop or a
// signal), then the destructor drains: the HTTP server finishes in-flight
// requests first, then the batcher commits what is queued. The caller closes
// the store afterwards.
//
// Thread-safety: Start and Run on one thread; Stop from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/batcher.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "engine/key_service.h"
#include "engine/provider_service.h"
#include "engine/session_service.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/http_server.h"
#include "server/llm_gateway.h"
#include "server/providers_handler.h"
#include "server/signer_registry.h"
#include "server/wallets_handler.h"
#include "server/x402_handler.h"
#include "server/x402_mcp_payer.h"
#include "server/x402_payer.h"
#include "server/x402_payments.h"
#include "store/store.h"

namespace stub {

struct ServerOptions {
  HttpServerOptions http;
  // STUB_ROOT_KEY: when set, the root key; no root key is created then.
  std::string root_key;
  std::chrono::milliseconds expiry_interval{1000};
  bool handle_signals = false;  // stop on SIGINT/SIGTERM
  EngineOptions engine;
  // batcher.answer_timeout bounds how long a spend waits for its answer
  // (then 503 "overloaded"); `stub serve --answer-timeout`.
  BatcherOptions batcher;
  // /readyz fails when the store does not answer within this.
  std::chrono::milliseconds ready_timeout{1000};
  // Key cache for spends and holds (every other route reads the key): a
  // revoked key stops working at once wherever it was revoked (see
  // KeyService).
  KeyServiceOptions keys;
  // Event streams: caps per key and per org, idle limit (stream_limiter.h).
  StreamOptions streams;
  // Dashboard sessions (`stub serve --session-ttl`) and where the server
  // sits: behind TLS (`--cookie-secure`), the cookie is Secure and the
  // browser's Origin is https://<Host>.
  SessionServiceOptions sessions;
  bool cookie_secure = false;
  // How often expired sessions are swept (at most sessions.sweep_limit rows
  // a time; an expired session is refused before it is swept).
  std::chrono::milliseconds session_sweep_interval{60'000};
  // The dashboard's files: embedded, or `--ui-dir`.
  UiOptions ui;
  // STUB_SECRET_KEY / --secret-key-file: seals providers' keys at rest;
  // without it, providers cannot be stored (the gateway still serves those
  // stored before only when it is set).
  std::optional<SecretKey> secret_key;
  // The LLM gateway's deadlines towards providers.
  UpstreamTimeouts llm_timeouts;
  // x402 signers, "NAME=SOURCE" each (`stub serve --signer`,
  // server/signer_registry.h), registered by Start.
  std::vector<std::string> signers;
  // Let x402 fetches reach loopback and private addresses
  // (`--allow-private-fetch`: local fixtures and tests only).
  bool allow_private_fetch = false;
  // The x402 fetch's deadlines towards resource servers.
  UpstreamTimeouts fetch_timeouts{std::chrono::milliseconds(30'000),
                                  std::chrono::milliseconds(30'000)};
};

class StubServer {
 public:
  // `store` and `clock` must outlive the server.
  StubServer(Store& store, const Clock& clock, ServerOptions options);
  ~StubServer();

  // Creates a root key on a store that has none (unless options.root_key is
  // set) and binds the listener. Errors: the store's, or kUnavailable when
  // the address cannot be bound.
  Status Start();
  // The root key created by Start (shown once), if it created one.
  const std::optional<IssuedKey>& created_root_key() const { return created_root_key_; }
  std::uint16_t port() const { return http_->port(); }
  const Api& api() const { return api_; }
  // A single-use dashboard sign-in link token for `key_secret`, held in this
  // server's memory only (SessionService::IssueSignInLink; redeemed by
  // POST /v1/session {"link"}). Thread-safe.
  Result<std::string> IssueSignInLink(std::string_view key_secret) {
    return sessions_.IssueSignInLink(key_secret);
  }

  // Serves until Stop() (or a signal) has taken effect.
  void Run();
  void Stop() { http_->Stop(); }

 private:
  ServerOptions options_;
  Engine engine_;
  SpendBatcher batcher_;
  KeyService keys_;
  SessionService sessions_;
  Authenticator auth_;
  UiHandler ui_;
  ProviderService providers_;
  ProvidersHandler providers_handler_;
  LlmGateway gateway_;
  UpstreamPool signer_pool_;  // external signers' requests
  SignerRegistry signers_;
  WalletsHandler wallets_handler_;
  X402Payments x402_payments_;
  X402Payer x402_payer_;
  X402McpPayer x402_mcp_payer_;
  X402Handler x402_handler_;
  Api api_;
  std::optional<IssuedKey> created_root_key_;
  std::unique_ptr<HttpServer> http_;  // destroyed first: in-flight requests end before the batcher
};

}  // namespace stub
