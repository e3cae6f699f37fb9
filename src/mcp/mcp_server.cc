#include "mcp/mcp_server.h"

#include <array>
#include <utility>

namespace stub::mcp {
namespace {

constexpr std::array<std::string_view, 4> kSupportedVersions = {"2025-11-25", "2025-06-18",
                                                                "2025-03-26", "2024-11-05"};

constexpr const char* kInstructions =
    "Stub enforces this agent's budget. Call request_spend (or hold, then capture or void) before "
    "paying for anything, and pay only when it is approved; pass an idempotency_key so a retry "
    "never spends twice. get_budget tells what is left; explain_denial says why a spend was "
    "denied and what would allow it.";

}  // namespace

bool IsSupportedProtocolVersion(std::string_view version) {
  for (std::string_view v : kSupportedVersions) {
    if (v == version) return true;
  }
  return false;
}

std::optional<Json> McpServer::HandleText(std::string_view text) {
  ParsedRpc parsed = ParseRpcMessage(text);
  if (!parsed.message) return RpcErrorAnswer(parsed.id, parsed.error);
  return Handle(*parsed.message);
}

std::optional<Json> McpServer::Handle(const RpcMessage& m) {
  if (m.kind != RpcMessage::Kind::kRequest) return std::nullopt;
  RpcError error;
  bool failed = false;
  Json result = Dispatch(m, error, failed);
  if (failed) return RpcErrorAnswer(m.id, error);
  return RpcResult(m.id, std::move(result));
}

Json McpServer::Dispatch(const RpcMessage& m, RpcError& error, bool& failed) {
  auto fail = [&](int code, std::string message) {
    failed = true;
    error = {code, std::move(message)};
    return Json();
  };
  if (!m.params.is_object()) return fail(kRpcInvalidParams, "'params' must be an object");
  const Json& params = m.params;
  if (m.method == "initialize") {
    std::string version(kLatestProtocolVersion);
    if (const auto v = params.find("protocolVersion"); v != params.end()) {
      if (!v->is_string()) return fail(kRpcInvalidParams, "'protocolVersion' must be a string");
      if (IsSupportedProtocolVersion(v->get<std::string>())) version = v->get<std::string>();
    }
    return {
        {"protocolVersion", version},
        {"capabilities",
         {{"tools", {{"listChanged", false}}}, {"resources", {{"listChanged", false}}}}},
        {"serverInfo", {{"name", "stub"}, {"title", "Stub spend ledger"}, {"version", version_}}},
        {"instructions", kInstructions}};
  }
  if (m.method == "ping") return Json::object();
  if (m.method == "tools/list") return {{"tools", StubTools::ToolList()}};
  if (m.method == "resources/list") return {{"resources", StubTools::ResourceList()}};
  if (m.method == "resources/templates/list") return {{"resourceTemplates", Json::array()}};
  if (m.method == "tools/call") {
    const auto name = params.find("name");
    if (name == params.end() || !name->is_string()) {
      return fail(kRpcInvalidParams, "'name' must be a string");
    }
    Json arguments = Json::object();
    if (const auto a = params.find("arguments"); a != params.end() && !a->is_null()) {
      if (!a->is_object()) return fail(kRpcInvalidParams, "'arguments' must be an object");
      arguments = *a;
    }
    std::optional<Json> result = tools_.Call(name->get<std::string>(), arguments);
    if (!result) return fail(kRpcInvalidParams, "unknown tool '" + name->get<std::string>() + "'");
    return std::move(*result);
  }
  if (m.method == "resources/read") {
    const auto uri = params.find("uri");
    if (uri == params.end() || !uri->is_string()) {
      return fail(kRpcInvalidParams, "'uri' must be a string");
    }
    Result<Json> contents = tools_.ReadResource(uri->get<std::string>());
    if (!contents.ok()) {
      const Status& s = contents.status();
      if (s.reason() == "unknown_resource") {
        return fail(kRpcResourceNotFound, s.message());
      }
      return fail(
          kRpcInternalError,
          (s.reason().empty() ? std::string("unavailable") : s.reason()) + ": " + s.message());
    }
    return std::move(*contents);
  }
  return fail(kRpcMethodNotFound, "method not found: " + m.method);
}

}  // namespace stub::mcp
