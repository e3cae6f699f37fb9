// The MCP tools' StubApi inside `stub serve`: each call is dispatched through
// the server's own Router as a sub-request carrying the MCP caller's
// Authorization header, so it passes exactly the auth, role checks and
// validation of the HTTP route it names. A deferred answer (a spend in a
// group-commit batch, ApiResponse::pending) is waited for, at most `wait`.
//
// Blocks (store reads, the batch's commit): call it on a worker thread.
// One instance per MCP request; not thread-safe. The Router must outlive it.
#pragma once

#include <chrono>
#include <string>

#include "mcp/stub_api.h"
#include "server/router.h"

namespace stub {

class RouterStubApi final : public mcp::StubApi {
 public:
  // `authorization`: the caller's Authorization header value (never logged).
  // `request_id`: the MCP request's id; sub-requests get "<id>.<n>".
  RouterStubApi(const Router& router, std::string authorization, std::string request_id,
                std::chrono::milliseconds wait)
      : router_(router),
        authorization_(std::move(authorization)),
        request_id_(std::move(request_id)),
        wait_(wait) {}

  // Errors: kUnavailable when a deferred answer did not arrive within
  // `wait` (a spend may still commit: a retry with its idempotency key
  // replays it); kInternal for a route that answers a stream.
  Result<mcp::ApiAnswer> Call(const mcp::ApiCall& call) override;

 private:
  const Router& router_;
  std::string authorization_;
  std::string request_id_;
  std::chrono::milliseconds wait_;
  int calls_ = 0;
};

}  // namespace stub
