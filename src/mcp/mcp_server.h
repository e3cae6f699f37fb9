// An MCP server over one StubApi: JSON-RPC method dispatch and protocol
// version negotiation, transport-neutral (cli/mcp_command.cc feeds it stdio
// lines, server/mcp_handler.cc HTTP bodies).
//
// Methods: initialize, notifications/initialized (and every other
// notification: ignored), ping, tools/list, tools/call, resources/list,
// resources/templates/list, resources/read. An unknown method → -32601;
// params of the wrong shape, or an unknown tool → -32602; an unknown
// resource → -32002. Tool failures are tool results (mcp/stub_tools.h), not
// protocol errors. It does not insist on `initialize` first: a stateless
// HTTP request may come without one.
//
// Not thread-safe (its StubTools caches the key's identity): one instance
// per stdio session or per HTTP request. The StubApi must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mcp/json_rpc.h"
#include "mcp/stub_api.h"
#include "mcp/stub_tools.h"

namespace stub::mcp {

inline constexpr std::string_view kLatestProtocolVersion = "2025-11-25";
// serverInfo.version: Stub's version (CMakeLists.txt's project VERSION).
inline constexpr std::string_view kStubVersion = "0.1.0";

// True for the MCP revisions this server speaks.
bool IsSupportedProtocolVersion(std::string_view version);

class McpServer {
 public:
  // `version`: the serverInfo version.
  McpServer(StubApi& api, std::string version) : tools_(api), version_(std::move(version)) {}

  // The answer to one message's text: a result or error message for a
  // request (or for a message that could not be read), nullopt for a
  // notification or a response.
  std::optional<Json> HandleText(std::string_view text);
  // The same for a parsed message.
  std::optional<Json> Handle(const RpcMessage& message);

 private:
  // The result of request `method`, or the protocol error.
  Json Dispatch(const RpcMessage& m, RpcError& error, bool& failed);

  StubTools tools_;
  std::string version_;
};

}  // namespace stub::mcp
