// JSON-RPC 2.0 messages as MCP's transports carry them (one message per
// stdio line, or per HTTP POST body): parsing with bounds, and serializing
// answers.
//
// ParseRpcMessage bounds the input before it walks it (core/json_input.h):
// at most kMaxRpcMessageBytes, nested at most kMaxRpcDepth deep, no
// duplicate keys, valid UTF-8. Its error codes:
//   -32700 parse error      — not JSON, invalid UTF-8, too deep;
//   -32600 invalid request  — a batch (JSON array: not supported), not an
//                             object, "jsonrpc" not "2.0", a bad "id" (only
//                             strings and integers), "method" not a string,
//                             "params" not an object or array, a message
//                             over kMaxRpcMessageBytes, or neither a request
//                             nor a response.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace stub::mcp {

using Json = nlohmann::json;

inline constexpr int kRpcParseError = -32700;
inline constexpr int kRpcInvalidRequest = -32600;
inline constexpr int kRpcMethodNotFound = -32601;
inline constexpr int kRpcInvalidParams = -32602;
inline constexpr int kRpcInternalError = -32603;
// MCP: resources/read of an unknown URI.
inline constexpr int kRpcResourceNotFound = -32002;

inline constexpr std::size_t kMaxRpcMessageBytes = 1024 * 1024;
inline constexpr std::size_t kMaxRpcDepth = 32;

struct RpcError {
  int code = kRpcInternalError;
  std::string message;
};

struct RpcMessage {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  Json id;  // a string or an integer; null for a notification
  std::string method;
  Json params = Json::object();  // an object or array; {} when absent
};

// The outcome of ParseRpcMessage: `message`, or `error` with the request's
// id when it could be read (else null), for the error answer.
struct ParsedRpc {
  std::optional<RpcMessage> message;
  RpcError error;
  Json id;
};

ParsedRpc ParseRpcMessage(std::string_view text);

// {"jsonrpc":"2.0","id":id,"result":result}
Json RpcResult(const Json& id, Json result);
// {"jsonrpc":"2.0","id":id,"error":{"code","message"}}
Json RpcErrorAnswer(const Json& id, const RpcError& error);
// One line of output: the compact JSON text (invalid UTF-8 replaced), no
// newline inside it. Never throws.
std::string RpcText(const Json& message);

}  // namespace stub::mcp
