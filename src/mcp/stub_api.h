// How the MCP tools reach Stub: one call of its HTTP API v1 (API.md), made as
// the MCP client's key. Two implementations: over HTTP to a `stub serve`
// (cli/mcp_command.cc, the stdio transport) and in-process through the
// server's own router (server/mcp_handler.cc, the /mcp endpoint).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace stub::mcp {

struct ApiCall {
  std::string method;  // "GET", "POST"
  std::string path;    // "/v1/spends": literal segments, never user text unchecked
  std::vector<std::pair<std::string, std::string>> query;  // raw (not encoded) names and values
  std::string body;                                        // JSON text, or "" for none
};

struct ApiAnswer {
  int status = 0;
  std::string body;
};

class StubApi {
 public:
  virtual ~StubApi() = default;
  // Makes `call` as the client's key and returns the answer, whatever its
  // status. Errors: kUnavailable when no answer came (within the
  // implementation's bound).
  virtual Result<ApiAnswer> Call(const ApiCall& call) = 0;
};

// "path?name=value&…" with names and values percent-encoded (RFC 3986
// unreserved characters kept).
std::string ApiTarget(const ApiCall& call);

}  // namespace stub::mcp
