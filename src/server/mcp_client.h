// A client of one MCP server over the Streamable HTTP transport (MCP
// 2025-03-26 and 2025-06-18): Stub calls a tool on an agent's behalf (x402's
// MCP transport, server/x402_mcp_payer.h).
//
//   auto session = McpClientSession::Open(pool, endpoint, headers, timeouts);
//   auto reply = session->CallTool("name", arguments, meta);
//   session->Close();
//
// Every message is a POST of one JSON-RPC request to the endpoint, with
// Accept: application/json, text/event-stream; the answer is either one JSON
// document or an event stream, read until the response to that request
// arrives (other messages on it — notifications, requests to the client —
// are skipped: Stub offers the server no capabilities). The session id the
// server issues at initialize (Mcp-Session-Id) and the negotiated protocol
// version are sent on every later request.
//
// Bounded: each answer at most kMaxMcpAnswerBytes, parsed within
// core/json_input.h limits; every wait within `timeouts`.
//
// Not thread-safe (one session per call); blocks on the server.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "server/fetch_target.h"
#include "server/upstream_client.h"
#include "server/upstream_exchange.h"

namespace stub {

inline constexpr std::size_t kMaxMcpAnswerBytes = 8 << 20;
inline constexpr std::string_view kMcpClientProtocolVersion = "2025-06-18";

// One JSON-RPC response: a result, or an error {code, message, data?}.
struct McpReply {
  bool is_error = false;
  nlohmann::json result;  // !is_error
  nlohmann::json error;   // is_error
};

class McpClientSession {
 public:
  // Initializes a session with the server at `endpoint` (initialize, then the
  // notifications/initialized notification). `headers` (lowercase names) go
  // with every request. Errors (nothing was asked of a tool yet):
  // ExchangeWhole's; kUnavailable "mcp_protocol_error" when the server does
  // not answer as MCP says (an HTTP error, no JSON-RPC result).
  static Result<std::unique_ptr<McpClientSession>> Open(UpstreamPool& pool, FetchTarget endpoint,
                                                        HeaderList headers,
                                                        UpstreamTimeouts timeouts);

  // tools/call with `arguments` (an object) and, unless null, `meta` as the
  // params' `_meta`. `resend` as UpstreamCall::Start's (kNever for a call
  // that carries a payment). Errors: ExchangeWhole's; kUnavailable
  // "mcp_protocol_error" for an answer that holds no response to this call.
  Result<McpReply> CallTool(std::string_view name, const nlohmann::json& arguments,
                            const nlohmann::json& meta,
                            UpstreamCall::Resend resend = UpstreamCall::Resend::kOnStaleConnection);

  // Ends the session on the server (DELETE), if it issued one; best effort.
  void Close();

  const std::string& session_id() const { return session_id_; }

 private:
  McpClientSession(UpstreamPool& pool, FetchTarget endpoint, HeaderList headers,
                   UpstreamTimeouts timeouts);

  // Sends one JSON-RPC message; a request (`expect_reply`) is answered with
  // the response carrying its id.
  Result<McpReply> Send(const nlohmann::json& message, bool expect_reply,
                        UpstreamCall::Resend resend);
  HeaderList RequestHeaders() const;

  UpstreamPool& pool_;
  FetchTarget endpoint_;
  HeaderList headers_;
  UpstreamTimeouts timeouts_;
  std::string session_id_;
  std::string protocol_version_;
  std::int64_t next_id_ = 1;
};

}  // namespace stub
