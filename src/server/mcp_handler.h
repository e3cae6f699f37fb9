// The MCP server on `stub serve` (issue 21): POST /mcp, MCP's Streamable HTTP
// transport in its stateless JSON-response mode, and GET /v1/me, which tells
// a key who it is (the tools need the key's agent).
//
// POST /mcp: the key as "Authorization: Bearer KEY" (no cookie sessions:
// a browser must not be able to spend through it); missing/unknown key →
// 401. An MCP-Protocol-Version header, when present, must be a version the
// server speaks (else 400). The body is one JSON-RPC message: a request →
// 200 application/json with its answer; a notification or response → 202
// with no body; unreadable (malformed JSON, a batch, not JSON-RPC) → 400
// with a JSON-RPC error. GET and DELETE /mcp → 405 (Allow: POST), by the
// router. Tools act as the caller's key through the server's own routes
// (RouterStubApi).
//
// GET /v1/me: any key → {"role","org","agent"?,"key_id"}.
//
// Handlers block (they run the tools): the routes run on workers.
// Thread-safe; the Router and Authenticator must outlive the handler.
#pragma once

#include <chrono>

#include "server/api_types.h"
#include "server/auth.h"
#include "server/router.h"

namespace stub {

struct McpHandlerOptions {
  // How long a tool waits for a deferred answer (a spend's batch).
  std::chrono::milliseconds wait{30'000};
};

class McpHandler {
 public:
  // `router` is the server's router, which the tools' calls go through (it
  // may be the one this handler is registered on).
  McpHandler(const Router& router, const Authenticator& auth, McpHandlerOptions options = {})
      : router_(router), auth_(auth), options_(options) {}

  // Registers POST /mcp and GET /v1/me on `router`. Call during setup.
  void AddRoutes(Router& router) const;

  ApiResponse Post(const ApiRequest& request) const;
  ApiResponse Me(const ApiRequest& request) const;

 private:
  const Router& router_;
  const Authenticator& auth_;
  McpHandlerOptions options_;
};

}  // namespace stub
