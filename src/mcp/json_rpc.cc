#include "mcp/json_rpc.h"

#include <utility>

#include "core/json_input.h"

namespace stub::mcp {
namespace {

bool IsGoodRpcId(const Json& id) { return id.is_string() || id.is_number_integer(); }

ParsedRpc RpcFailure(int code, std::string message, Json id = nullptr) {
  ParsedRpc out;
  out.error = {code, std::move(message)};
  out.id = std::move(id);
  return out;
}

}  // namespace

ParsedRpc ParseRpcMessage(std::string_view text) {
  if (text.size() > kMaxRpcMessageBytes) {
    return RpcFailure(kRpcInvalidRequest,
                      "message larger than " + std::to_string(kMaxRpcMessageBytes) + " bytes");
  }
  JsonLimits limits;
  limits.max_bytes = kMaxRpcMessageBytes;
  limits.max_depth = kMaxRpcDepth;
  auto parsed = ParseBoundedJson(text, limits);
  if (!parsed.ok()) {
    if (parsed.status().reason() == "invalid_json") {
      return RpcFailure(kRpcParseError, "parse error: " + parsed.status().message());
    }
    return RpcFailure(kRpcInvalidRequest, parsed.status().message());
  }
  Json& j = *parsed;
  if (j.is_array()) return RpcFailure(kRpcInvalidRequest, "batches are not supported");
  if (!j.is_object()) return RpcFailure(kRpcInvalidRequest, "a message must be a JSON object");
  Json id = nullptr;
  const bool has_id = j.contains("id");
  if (has_id) {
    if (!IsGoodRpcId(j["id"])) {
      return RpcFailure(kRpcInvalidRequest, "'id' must be a string or an integer");
    }
    id = j["id"];
  }
  const auto version = j.find("jsonrpc");
  if (version == j.end() || *version != "2.0") {
    return RpcFailure(kRpcInvalidRequest, "'jsonrpc' must be \"2.0\"", id);
  }
  RpcMessage m;
  m.id = id;
  if (const auto method = j.find("method"); method != j.end()) {
    if (!method->is_string() || method->get_ref<const std::string&>().empty()) {
      return RpcFailure(kRpcInvalidRequest, "'method' must be a non-empty string", id);
    }
    m.method = method->get<std::string>();
    if (const auto params = j.find("params"); params != j.end()) {
      if (!params->is_object() && !params->is_array()) {
        return RpcFailure(kRpcInvalidRequest, "'params' must be an object or an array", id);
      }
      m.params = std::move(*params);
    }
    m.kind = has_id ? RpcMessage::Kind::kRequest : RpcMessage::Kind::kNotification;
    ParsedRpc out;
    out.message = std::move(m);
    out.id = std::move(id);
    return out;
  }
  if (has_id && (j.contains("result") || j.contains("error"))) {
    m.kind = RpcMessage::Kind::kResponse;
    ParsedRpc out;
    out.message = std::move(m);
    out.id = std::move(id);
    return out;
  }
  return RpcFailure(kRpcInvalidRequest, "neither a request nor a response", id);
}

Json RpcResult(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json RpcErrorAnswer(const Json& id, const RpcError& error) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"error", {{"code", error.code}, {"message", error.message}}}};
}

std::string RpcText(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace stub::mcp
