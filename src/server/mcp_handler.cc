#include "server/mcp_handler.h"

#include <string>
#include <utility>

#include "mcp/mcp_server.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/router_stub_api.h"

namespace stub {
namespace {

ApiResponse McpJsonAnswer(int status, const mcp::Json& message) {
  ApiResponse r;
  r.status = status;
  r.body = mcp::RpcText(message);
  return r;
}

ApiResponse McpUnauthorized(const Status& status) {
  ApiResponse r = ErrorResponse(status);
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace

void McpHandler::AddRoutes(Router& router) const {
  router.Add("POST", "/mcp",
             [this](const ApiRequest& request, const PathParams&) { return Post(request); });
  router.Add("GET", "/v1/me",
             [this](const ApiRequest& request, const PathParams&) { return Me(request); });
}

ApiResponse McpHandler::Post(const ApiRequest& request) const {
  const std::string_view authorization = request.Header("authorization");
  if (authorization.empty()) {
    return McpUnauthorized(Unauthorized("/mcp needs an Authorization: Bearer header"));
  }
  auto principal = auth_.Authenticate(request);
  if (!principal.ok()) return McpUnauthorized(principal.status());
  if (const std::string_view version = request.Header("mcp-protocol-version");
      !version.empty() && !mcp::IsSupportedProtocolVersion(version)) {
    return McpJsonAnswer(400, mcp::RpcErrorAnswer(nullptr, {mcp::kRpcInvalidRequest,
                                                            "unsupported MCP-Protocol-Version '" +
                                                                std::string(version) + "'"}));
  }
  mcp::ParsedRpc parsed = mcp::ParseRpcMessage(request.body);
  if (!parsed.message) return McpJsonAnswer(400, mcp::RpcErrorAnswer(parsed.id, parsed.error));
  if (parsed.message->kind != mcp::RpcMessage::Kind::kRequest) {
    ApiResponse r;
    r.status = 202;
    return r;
  }
  RouterStubApi api(router_, std::string(authorization), request.request_id, options_.wait);
  mcp::McpServer server(api, std::string(mcp::kStubVersion));
  std::optional<mcp::Json> answer = server.Handle(*parsed.message);
  return McpJsonAnswer(200, answer ? *answer : mcp::Json::object());
}

ApiResponse McpHandler::Me(const ApiRequest& request) const {
  auto p = auth_.Authenticate(request);
  if (!p.ok()) return ErrorResponse(p.status());
  Json out = {{"role", std::string(KeyRoleName(p->role))}, {"org", p->org}, {"key_id", p->key_id}};
  if (!p->agent.empty()) out["agent"] = p->agent;
  return JsonResponse(200, out);
}

}  // namespace stub
