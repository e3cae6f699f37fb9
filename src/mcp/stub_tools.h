// Stub's MCP tools and resources: the tool table (name, description, JSON
// Schema input) and what each call does through a StubApi.
//
// Tools: get_budget, request_spend, hold, capture, void, list_my_spends,
// explain_denial, ask, pay_and_fetch (the x402 paying fetch, POST
// /v1/x402/fetch), pay_and_call_tool (a paid MCP tool, POST
// /v1/x402/mcp/call). Every result is an MCP CallToolResult: success carries
// `structuredContent` (a JSON object) and one text item with a one-line
// summary; every failure (invalid arguments, a denial, an API error, Stub
// unreachable) is `isError: true` with text "<reason>: <message>" and
// structuredContent {"reason", "message", …the API's denial fields} — never
// a protocol error.
//
// Resources: stub://budget (the key's budget node, GET /v1/budgets/{node})
// and stub://policy (its node's policy, GET /v1/policies/{node}), both
// application/json. The node is the key's agent, or the org root for an
// org-wide key (admin, finance, approver).
//
// request_spend and hold without an idempotency_key use a random one: a
// retried tool call may then spend twice, so agents should pass one.
//
// Not thread-safe (it caches the key's identity): one instance per session
// or per request. The StubApi must outlive it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "mcp/json_rpc.h"
#include "mcp/stub_api.h"

namespace stub::mcp {

// Who the key is, as GET /v1/me answers.
struct KeyIdentity {
  std::string role;  // "agent", "admin", "finance", "approver", "root"
  std::string org;
  std::string agent;  // for an agent key
  // The budget node the key's tools act on: its agent, else the org root.
  const std::string& node() const { return agent.empty() ? org : agent; }
};

class StubTools {
 public:
  explicit StubTools(StubApi& api) : api_(api) {}

  // The tools/list result's "tools": every tool with its inputSchema.
  static const Json& ToolList();
  // The resources/list result's "resources".
  static const Json& ResourceList();

  // The CallToolResult of tool `name` with `arguments`; nullopt when there
  // is no such tool (a protocol error for the caller to answer).
  std::optional<Json> Call(std::string_view name, const Json& arguments);

  // The resources/read result ({"contents":[…]}) of `uri`. Errors:
  // kNotFound "unknown_resource" for an unknown URI; the API's error otherwise.
  Result<Json> ReadResource(std::string_view uri);

 private:
  Result<KeyIdentity> Me();
  // Calls the API and parses a JSON answer body.
  struct JsonAnswer {
    int status = 0;
    Json body;
  };
  Result<JsonAnswer> CallJson(ApiCall call);

  Json GetBudget(const Json& args);
  Json RequestSpend(const Json& args);
  Json Hold(const Json& args);
  Json Spend(const Json& args, bool hold);
  Json Capture(const Json& args);
  Json Void(const Json& args);
  Json ListMySpends(const Json& args);
  Json ExplainDenial(const Json& args);
  Json Ask(const Json& args);
  Json PayAndFetch(const Json& args);
  Json PayAndCallTool(const Json& args);
  // Both: POSTs the listed `fields` of `args` to `path` and summarizes.
  Json Pay(const Json& args, const std::string& path, std::initializer_list<const char*> fields);

  StubApi& api_;
  std::optional<KeyIdentity> me_;
};

// A CallToolResult of success / of failure (see above).
Json ToolSuccess(Json structured, const std::string& text);
Json ToolFailure(const std::string& reason, const std::string& message, Json details = nullptr);

}  // namespace stub::mcp
