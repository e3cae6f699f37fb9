// `stub serve`: runs the HTTP server on a store until SIGINT/SIGTERM, then
// shuts down gracefully (stop accepting, finish in-flight requests, drain the
// batcher, close the store).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace stub {

struct ServeConfig {
  std::string db;                         // store URL; "" → $STUB_DB or sqlite:./stub.db
  std::string listen = "127.0.0.1:8402";  // host:port
  // Seed the demo org (idempotent) and print a fresh admin key for it, the
  // URL and a curl example before serving. Earlier demo admin keys are
  // revoked, so only the last one printed works.
  bool demo = false;
  // A spend not answered within this is answered 503 "overloaded".
  double answer_timeout_seconds = 5.0;
  // LLM gateway calls in flight at once (each waits on its provider on a
  // thread of its own); one more is answered 503 "overloaded".
  std::size_t gateway_calls = 256;
  // Dashboard: session lifetime, Secure cookies behind a TLS proxy, and a
  // development build served from disk instead of the embedded one.
  double session_ttl_seconds = 12 * 60 * 60;
  bool cookie_secure = false;
  std::string ui_dir;
  // The server's secret key (sealing providers' keys): this file, else
  // $STUB_SECRET_KEY, else none.
  std::string secret_key_file;
  // x402 signers, "NAME=PATH", "NAME=env:VAR" or "NAME=https://…" each.
  std::vector<std::string> signers;
  // Let x402 fetches reach loopback and private addresses.
  bool allow_private_fetch = false;
};

// The store URL serve uses when --db is not given.
std::string DefaultStoreUrl();

// Splits "host:port" ("[::1]:8402" for IPv6). Errors: kInvalidArgument.
Status ParseListen(std::string_view listen, std::string& host, std::uint16_t& port);

// Serves until a signal; returns how it ended (OK after a graceful stop).
Status RunServe(const ServeConfig& config);

}  // namespace stub
