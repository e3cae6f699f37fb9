#include "mcp/stub_tools.h"

#include <random>
#include <utility>
#include <vector>

#include "core/json_input.h"
#include "mcp/arg_schema.h"

namespace stub::mcp {
namespace {

Json StringProp(std::string description, std::size_t max_length) {
  return {{"type", "string"},
          {"description", std::move(description)},
          {"minLength", 1},
          {"maxLength", max_length}};
}

Json ObjectSchema(Json properties, std::vector<std::string> required) {
  Json schema = {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

Json SpendProperties() {
  return {
      {"amount", StringProp("the amount as a decimal string in the org's currency, at most 6 "
                            "fractional digits, e.g. \"0.25\"",
                            40)},
      {"vendor", StringProp("who is paid: a host (api.vendor.com) or a payee id", 253)},
      {"category", StringProp("llm, data, compute, saas, …; default: the vendor's category", 64)},
      {"session", StringProp("the agent's session, for attribution", 256)},
      {"user", StringProp("the user the agent acts for, for attribution", 256)},
      {"intent", StringProp("why the money is spent, in a few words", 1024)},
      {"idempotency_key",
       StringProp("makes a retried call take effect once; pass one (without it a random key is "
                  "used, and a retried tool call may spend twice)",
                  255)},
      {"receipt", {{"type", "object"}, {"description", "the payment's receipt (any JSON object)"}}},
  };
}

Json BuildToolList() {
  Json spend = ObjectSchema(SpendProperties(), {"amount", "vendor"});
  Json hold_props = SpendProperties();
  hold_props["amount"]["description"] = "the most the purchase may cost (decimal string)";
  hold_props["expires_in"] = {{"type", "integer"},
                              {"description", "seconds until the hold expires (default 300)"},
                              {"minimum", 1}};
  hold_props["on_expiry"] = {
      {"type", "string"},
      {"enum", {"expire", "capture"}},
      {"description",
       "if neither captured nor released in time: expire (default: the money is released) or "
       "capture (booked in full: for a payment that may be made as soon as the hold is taken)"}};
  Json hold = ObjectSchema(std::move(hold_props), {"amount", "vendor"});
  const Json hold_id = StringProp("the id of the hold", 128);
  Json tools = Json::array();
  tools.push_back(
      {{"name", "get_budget"},
       {"title", "Get my budget"},
       {"description",
        "How much this key may still spend: its budget node's limits (spent, held, remaining per "
        "period), effective_remaining (the least over the node and its ancestors) and binding "
        "(the node and period that set it)."},
       {"inputSchema", ObjectSchema(Json::object(), {})}});
  tools.push_back(
      {{"name", "request_spend"},
       {"title", "Spend money"},
       {"description",
        "Ask Stub to approve and record one payment before making it. Approved: the spend with "
        "effective_remaining. Denied: a tool error whose reason says why (budget_exceeded, "
        "vendor_blocked, …). Large spends may need approval (status pending_approval)."},
       {"inputSchema", spend}});
  tools.push_back(
      {{"name", "hold"},
       {"title", "Reserve money"},
       {"description",
        "Reserve up to an amount before a purchase whose price is known only afterwards; then "
        "capture the real amount or void it. A hold counts against budgets until then."},
       {"inputSchema", hold}});
  tools.push_back({{"name", "capture"},
                   {"title", "Capture a hold"},
                   {"description",
                    "Turn a pending hold into a spend of the real amount (at most the held "
                    "amount); the rest is released."},
                   {"inputSchema",
                    ObjectSchema({{"hold_id", hold_id},
                                  {"amount", StringProp("the real amount (decimal string)", 40)},
                                  {"receipt",
                                   {{"type", "object"},
                                    {"description", "the payment's receipt (any JSON object)"}}}},
                                 {"hold_id", "amount"})}});
  tools.push_back({{"name", "void"},
                   {"title", "Release a hold"},
                   {"description", "Release a pending hold without spending."},
                   {"inputSchema", ObjectSchema({{"hold_id", hold_id}}, {"hold_id"})}});
  tools.push_back(
      {{"name", "list_my_spends"},
       {"title", "List my spends"},
       {"description",
        "This key's spends and denials, newest first (an agent key: its own; an "
        "org-wide key: the org's). Pass next_cursor as cursor for the next page."},
       {"inputSchema",
        ObjectSchema({{"limit",
                       {{"type", "integer"},
                        {"description", "items per page (default 100)"},
                        {"minimum", 1},
                        {"maximum", 1000}}},
                      {"cursor", StringProp("next_cursor of the previous page", 1024)},
                      {"status",
                       {{"type", "string"},
                        {"enum", {"approved", "denied"}},
                        {"description", "only approved spends, or only denials"}}},
                      {"from", StringProp("from this time on (RFC 3339, inclusive)", 64)},
                      {"to", StringProp("before this time (RFC 3339, exclusive)", 64)}},
                     {})}});
  tools.push_back(
      {{"name", "explain_denial"},
       {"title", "Explain a denial"},
       {"description",
        "Why a spend was denied (reason, node, period, message) and what would "
        "allow it, with the current budget's numbers."},
       {"inputSchema", ObjectSchema({{"spend_id", StringProp("the id of the denied spend", 128)}},
                                    {"spend_id"})}});
  tools.push_back(
      {{"name", "pay_and_fetch"},
       {"title", "Fetch a paid (x402) resource"},
       {"description",
        "Fetch a URL; if it asks for an x402 payment (HTTP 402), Stub decides within this "
        "key's budget and policies, signs with the org's wallet, pays and books it. Returns "
        "the resource (status, headers, body) and what was paid. A denial or a payment Stub "
        "will not make is a tool error naming the reason; nothing is paid then."},
       {"inputSchema",
        ObjectSchema(
            {{"url", StringProp("the resource (http or https)", 8192)},
             {"method",
              {{"type", "string"},
               {"enum", {"GET", "POST", "PUT", "PATCH", "DELETE"}},
               {"description", "default GET"}}},
             {"headers",
              {{"type", "object"},
               {"description", "request headers"},
               {"additionalProperties", {{"type", "string"}}}}},
             {"body", StringProp("the request body (text)", 512 * 1024)},
             {"max_amount", StringProp("pay at most this much (decimal string)", 40)},
             {"session", spend["properties"]["session"]},
             {"user", spend["properties"]["user"]},
             {"intent", spend["properties"]["intent"]},
             {"idempotency_key",
              StringProp("makes a retried call pay once; pass one (without it a random key is "
                         "used, and a retried tool call may pay twice)",
                         255)}},
            {"url"})}});
  tools.push_back(
      {{"name", "pay_and_call_tool"},
       {"title", "Call a paid (x402) MCP tool"},
       {"description",
        "Call a tool on another MCP server (Streamable HTTP); if the tool asks for an x402 "
        "payment, Stub decides within this key's budget and policies, signs with the org's "
        "wallet, pays and books it. Returns the tool's result and what was paid. A denial or "
        "a payment Stub will not make is a tool error naming the reason; nothing is paid then."},
       {"inputSchema",
        ObjectSchema(
            {{"url", StringProp("the MCP server's endpoint (http or https)", 8192)},
             {"tool", StringProp("the tool to call", 128)},
             {"arguments", {{"type", "object"}, {"description", "the tool's arguments"}}},
             {"headers",
              {{"type", "object"},
               {"description", "request headers for the MCP server"},
               {"additionalProperties", {{"type", "string"}}}}},
             {"max_amount", StringProp("pay at most this much (decimal string)", 40)},
             {"session", spend["properties"]["session"]},
             {"user", spend["properties"]["user"]},
             {"intent", spend["properties"]["intent"]},
             {"idempotency_key",
              StringProp("makes a retried call pay once; pass one (without it a random key is "
                         "used, and a retried tool call may pay twice)",
                         255)}},
            {"url", "tool"})}});
  tools.push_back({{"name", "ask"},
                   {"title", "Ask about spending"},
                   {"description",
                    "A plain-English question about the org's spending (\"top 5 vendors this "
                    "month\"). Finance, approver and admin keys only."},
                   {"inputSchema",
                    ObjectSchema({{"question", StringProp("the question", 1000)}}, {"question"})}});
  return tools;
}

Json BuildResourceList() {
  return Json::array({{{"uri", "stub://budget"},
                       {"name", "budget"},
                       {"title", "My budget"},
                       {"description",
                        "This key's budget node: limits, spent, held, remaining, "
                        "effective_remaining and binding."},
                       {"mimeType", "application/json"}},
                      {{"uri", "stub://policy"},
                       {"name", "policy"},
                       {"title", "My policy"},
                       {"description",
                        "The spending policy set on this key's budget node (limits per spend, "
                        "windows, vendor and category lists, approval threshold, velocity), and "
                        "under \"inherited\" those of its teams and org, nearest first: every "
                        "one of them applies."},
                       {"mimeType", "application/json"}}});
}

// Ids the tools put into paths: no '/', '?', '%' or anything else a path
// segment would treat specially.
bool IsSafeId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string RandomIdempotencyKey() {
  static thread_local std::mt19937_64 rng{
      std::random_device{}() ^ (static_cast<std::uint64_t>(std::random_device{}()) << 32)};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "mcp-";
  for (int i = 0; i < 2; ++i) {
    std::uint64_t v = rng();
    for (int j = 0; j < 16; ++j) {
      key.push_back(kHex[v & 0xF]);
      v >>= 4;
    }
  }
  return key;
}

// The argument's string value, or "" when absent or null.
std::string Arg(const Json& args, const char* name) {
  const auto it = args.find(name);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Str(const Json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Json FailureFromStatus(const Status& s) {
  return ToolFailure(s.reason().empty() ? "unavailable" : s.reason(), s.message());
}

// The tool error for a non-2xx answer: a denial (402 with "reason") or an
// API error {"error":{"code","message"}}.
Json FailureFromAnswer(int status, const Json& body) {
  if (body.is_object() && body.contains("reason") && body.contains("status")) {
    return ToolFailure(Str(body, "reason"), Str(body, "message"), body);
  }
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const Json& e = body["error"];
    Json details = Json::object();
    for (const auto& [k, v] : e.items()) {
      if (k != "code" && k != "message") details[k] = v;
    }
    return ToolFailure(Str(e, "code"), Str(e, "message"), details);
  }
  return ToolFailure("http_" + std::to_string(status),
                     "Stub answered HTTP " + std::to_string(status));
}

std::string RemainingText(const Json& body) {
  const std::string eff = Str(body, "effective_remaining");
  return eff.empty() ? "no limit binds" : eff + " left";
}

std::string BudgetText(const Json& b) {
  const std::string eff = Str(b, "effective_remaining");
  std::string text;
  if (eff.empty()) {
    text = "no limit applies to " + Str(b, "id");
  } else {
    text = eff + " left";
    const auto binding = b.find("binding");
    if (binding != b.end() && binding->is_object()) {
      const std::string node = Str(*binding, "node");
      text += "; bound by " + (node == Str(b, "id") ? Str(b, "kind") + " " + node : node) + "'s " +
              Str(*binding, "period") + " limit";
    }
  }
  if (b.value("frozen", false)) text += "; frozen";
  return text;
}

// What would allow a denied spend `d` (a GET /v1/spends/{id} item), given
// the agent's current budget `budget` (null when unknown). Adds
// "fits_at_most" to `out` where a smaller spend would fit.
std::string Remedy(const Json& d, const Json& budget, Json& out) {
  const std::string reason = Str(d, "reason");
  const std::string node = Str(d, "node");
  const std::string where = node.empty() ? "the agent's path" : node;
  const std::string period = Str(d, "period");
  const std::string eff = budget.is_object() ? Str(budget, "effective_remaining") : "";
  if (reason == "budget_exceeded") {
    std::string text =
        "the " + period + " limit of " + where + " has no room for " + Str(d, "amount");
    if (!eff.empty()) {
      out["fits_at_most"] = eff;
      const Json& binding = budget.value("binding", Json());
      text += "; " + eff + " is left now";
      if (binding.is_object()) {
        text +=
            " (the tightest: " + Str(binding, "node") + "'s " + Str(binding, "period") + " limit)";
      }
      text += ", so a spend of at most " + eff + " fits";
    }
    return text + "; or an admin raises " + where + "'s " + period +
           " limit, or wait for the next " + period;
  }
  if (reason == "per_spend_limit") {
    out["fits_at_most"] = Str(d, "limit");
    return "a policy on " + where + " allows at most " + Str(d, "limit") +
           " per spend: a spend of at most " + Str(d, "limit") +
           " fits, or an admin raises max_per_spend";
  }
  if (reason == "window_limit") {
    return Str(d, "used") + " of " + Str(d, "limit") + " is used in the rolling " +
           Str(d, "window_seconds") + "-second window on " + where +
           ": wait until earlier spends leave the window, or an admin raises the window's amount";
  }
  if (reason == "velocity_tripped") {
    return "the velocity circuit-breaker on " + where +
           " tripped and froze the agent: an admin must unfreeze it";
  }
  if (reason == "vendor_blocked") {
    return "a policy on " + where + " blocks vendor " + Str(d, "vendor") +
           ": use another vendor, or an admin removes it from that block list";
  }
  if (reason == "vendor_not_allowed") {
    return "vendor " + Str(d, "vendor") + " is not on the allow list of the policy on " + where +
           ": use an allowed vendor, or an admin adds it";
  }
  if (reason == "category_blocked") {
    return "a policy on " + where + " does not allow category " + Str(d, "category") +
           ": use another category, or an admin changes that policy";
  }
  if (reason == "agent_frozen") {
    return "agent " + Str(d, "agent") + " is frozen: an admin must unfreeze it";
  }
  if (reason == "kill_switch") {
    return "the org's kill-switch is engaged: no spend commits until an admin releases it";
  }
  if (reason == "contention") {
    return "the budget was too contended to decide in time: retry with the same idempotency key";
  }
  return "see the message";
}

}  // namespace

Json ToolSuccess(Json structured, const std::string& text) {
  return {{"content", Json::array({{{"type", "text"}, {"text", text}}})},
          {"structuredContent", std::move(structured)},
          {"isError", false}};
}

Json ToolFailure(const std::string& reason, const std::string& message, Json details) {
  Json structured = details.is_object() ? std::move(details) : Json::object();
  structured["reason"] = reason;
  structured["message"] = message;
  return {{"content", Json::array({{{"type", "text"}, {"text", reason + ": " + message}}})},
          {"structuredContent", std::move(structured)},
          {"isError", true}};
}

const Json& StubTools::ToolList() {
  static const Json tools = BuildToolList();
  return tools;
}

const Json& StubTools::ResourceList() {
  static const Json resources = BuildResourceList();
  return resources;
}

Result<StubTools::JsonAnswer> StubTools::CallJson(ApiCall call) {
  STUB_ASSIGN_OR_RETURN(ApiAnswer answer, api_.Call(call));
  JsonAnswer out;
  out.status = answer.status;
  if (!answer.body.empty()) {
    auto body = ParseBoundedJson(answer.body);
    if (body.ok()) out.body = std::move(*body);
  }
  return out;
}

Result<KeyIdentity> StubTools::Me() {
  if (me_) return *me_;
  STUB_ASSIGN_OR_RETURN(JsonAnswer a, CallJson({"GET", "/v1/me", {}, ""}));
  if (a.status != 200 || !a.body.is_object()) {
    const Json failure = FailureFromAnswer(a.status, a.body);
    const Json& s = failure["structuredContent"];
    return Status(StatusCode::kFailedPrecondition, Str(s, "message"), Str(s, "reason"));
  }
  me_ = KeyIdentity{Str(a.body, "role"), Str(a.body, "org"), Str(a.body, "agent")};
  return *me_;
}

std::optional<Json> StubTools::Call(std::string_view name, const Json& arguments) {
  using Handler = Json (StubTools::*)(const Json&);
  struct Entry {
    std::string_view name;
    Handler handler;
  };
  static constexpr Entry kHandlers[] = {
      {"get_budget", &StubTools::GetBudget},
      {"request_spend", &StubTools::RequestSpend},
      {"hold", &StubTools::Hold},
      {"capture", &StubTools::Capture},
      {"void", &StubTools::Void},
      {"list_my_spends", &StubTools::ListMySpends},
      {"explain_denial", &StubTools::ExplainDenial},
      {"ask", &StubTools::Ask},
      {"pay_and_fetch", &StubTools::PayAndFetch},
      {"pay_and_call_tool", &StubTools::PayAndCallTool},
  };
  const Json* schema = nullptr;
  for (const Json& tool : ToolList()) {
    if (tool["name"] == name) schema = &tool["inputSchema"];
  }
  if (schema == nullptr) return std::nullopt;
  const Json args = arguments.is_null() ? Json::object() : arguments;
  if (Status s = CheckArguments(*schema, args); !s.ok()) {
    return ToolFailure("invalid_request", s.message());
  }
  for (const Entry& e : kHandlers) {
    if (e.name == name) return (this->*e.handler)(args);
  }
  return std::nullopt;
}

Json StubTools::GetBudget(const Json&) {
  auto me = Me();
  if (!me.ok()) return FailureFromStatus(me.status());
  if (me->node().empty()) return ToolFailure("forbidden", "this key has no budget node");
  auto a = CallJson({"GET", "/v1/budgets/" + me->node(), {}, ""});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status != 200) return FailureFromAnswer(a->status, a->body);
  const std::string text = BudgetText(a->body);
  return ToolSuccess(std::move(a->body), text);
}

Json StubTools::RequestSpend(const Json& args) { return Spend(args, /*hold=*/false); }

Json StubTools::Hold(const Json& args) { return Spend(args, /*hold=*/true); }

Json StubTools::Spend(const Json& args, bool hold) {
  Json body = Json::object();
  for (const char* field : {"amount", "vendor", "category", "session", "user", "intent",
                            "idempotency_key", "receipt", "expires_in", "on_expiry"}) {
    const auto it = args.find(field);
    if (it != args.end() && !it->is_null()) body[field] = *it;
  }
  if (!body.contains("idempotency_key")) body["idempotency_key"] = RandomIdempotencyKey();
  auto a = CallJson({"POST", hold ? "/v1/holds" : "/v1/spends", {}, RpcText(body)});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status < 200 || a->status >= 300) return FailureFromAnswer(a->status, a->body);
  const Json& r = a->body;
  const std::string status = Str(r, "status");
  std::string text;
  if (status == "pending_approval") {
    text = "spend " + Str(r, "id") + " of " + Arg(args, "amount") + " at " + Arg(args, "vendor") +
           " needs approval (approval " + Str(r, "approval_id") + ")";
  } else if (hold) {
    text = "held " + Str(r, "amount") + " at " + Arg(args, "vendor") + " until " +
           Str(r, "expires_at") + " (hold " + Str(r, "id") + ")";
  } else {
    text = "approved " + Str(r, "amount") + " at " + Arg(args, "vendor") + " (spend " +
           Str(r, "id") + "); " + RemainingText(r);
  }
  return ToolSuccess(std::move(a->body), text);
}

Json StubTools::Capture(const Json& args) {
  const std::string id = Arg(args, "hold_id");
  if (!IsSafeId(id)) return ToolFailure("invalid_request", "'hold_id' is not a hold id");
  Json body = {{"amount", args["amount"]}};
  if (args.contains("receipt") && !args["receipt"].is_null()) body["receipt"] = args["receipt"];
  auto a = CallJson({"POST", "/v1/holds/" + id + "/capture", {}, RpcText(body)});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status < 200 || a->status >= 300) return FailureFromAnswer(a->status, a->body);
  const std::string text = "captured " + Str(a->body, "amount") + " of hold " + id + " (spend " +
                           Str(a->body, "id") + "); " + RemainingText(a->body);
  return ToolSuccess(std::move(a->body), text);
}

Json StubTools::Void(const Json& args) {
  const std::string id = Arg(args, "hold_id");
  if (!IsSafeId(id)) return ToolFailure("invalid_request", "'hold_id' is not a hold id");
  auto a = CallJson({"POST", "/v1/holds/" + id + "/void", {}, ""});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status < 200 || a->status >= 300) return FailureFromAnswer(a->status, a->body);
  return ToolSuccess(std::move(a->body), "voided hold " + id);
}

Json StubTools::ListMySpends(const Json& args) {
  auto me = Me();
  if (!me.ok()) return FailureFromStatus(me.status());
  ApiCall call{"GET", "/v1/spends", {}, ""};
  if (!me->agent.empty()) call.query.emplace_back("agent", me->agent);
  if (args.contains("limit") && args["limit"].is_number_integer()) {
    call.query.emplace_back("limit", std::to_string(args["limit"].get<std::int64_t>()));
  }
  for (const char* field : {"cursor", "status", "from", "to"}) {
    if (const std::string v = Arg(args, field); !v.empty()) call.query.emplace_back(field, v);
  }
  auto a = CallJson(std::move(call));
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status != 200) return FailureFromAnswer(a->status, a->body);
  std::size_t approved = 0;
  std::size_t denied = 0;
  for (const Json& item : a->body.value("items", Json::array())) {
    (Str(item, "status") == "denied" ? denied : approved) += 1;
  }
  std::string text = std::to_string(approved + denied) + " spends (" + std::to_string(approved) +
                     " approved, " + std::to_string(denied) + " denied)";
  if (a->body.contains("next_cursor")) {
    text += "; more with cursor " + Str(a->body, "next_cursor");
  }
  return ToolSuccess(std::move(a->body), text);
}

Json StubTools::ExplainDenial(const Json& args) {
  const std::string id = Arg(args, "spend_id");
  if (!IsSafeId(id)) return ToolFailure("invalid_request", "'spend_id' is not a spend id");
  auto a = CallJson({"GET", "/v1/spends/" + id, {}, ""});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status != 200) return FailureFromAnswer(a->status, a->body);
  const Json& d = a->body;
  if (Str(d, "status") != "denied") {
    return ToolFailure("not_denied", "spend " + id + " was approved, not denied",
                       {{"spend_id", id}, {"status", Str(d, "status")}});
  }
  Json budget = nullptr;
  if (const std::string agent = Str(d, "agent"); IsSafeId(agent)) {
    auto b = CallJson({"GET", "/v1/budgets/" + agent, {}, ""});
    if (b.ok() && b->status == 200) budget = std::move(b->body);
  }
  Json out = {{"spend_id", id}};
  for (const char* field :
       {"reason", "message", "node", "period", "amount", "vendor", "category", "agent", "limit",
        "used", "limit_spends", "used_spends", "window_seconds", "created_at"}) {
    if (d.contains(field)) out[field] = d[field];
  }
  const std::string remedy = Remedy(d, budget, out);
  out["what_would_allow_it"] = remedy;
  if (budget.is_object()) {
    out["budget"] = {{"node", budget.value("id", "")},
                     {"effective_remaining", budget.value("effective_remaining", Json())},
                     {"binding", budget.value("binding", Json())}};
  }
  const std::string text = Str(d, "reason") + ": " + Str(d, "message") + ". " + remedy;
  return ToolSuccess(std::move(out), text);
}

Json StubTools::Ask(const Json& args) {
  auto a = CallJson({"POST", "/v1/query", {}, RpcText({{"question", args["question"]}})});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status != 200) return FailureFromAnswer(a->status, a->body);
  const std::string text = Str(a->body, "answer");
  return ToolSuccess(std::move(a->body), text);
}

Json StubTools::PayAndFetch(const Json& args) {
  return Pay(args, "/v1/x402/fetch",
             {"url", "method", "headers", "body", "max_amount", "session", "user", "intent",
              "idempotency_key"});
}

Json StubTools::PayAndCallTool(const Json& args) {
  return Pay(args, "/v1/x402/mcp/call",
             {"url", "tool", "arguments", "headers", "max_amount", "session", "user", "intent",
              "idempotency_key"});
}

Json StubTools::Pay(const Json& args, const std::string& path,
                    std::initializer_list<const char*> fields) {
  Json body = Json::object();
  for (const char* field : fields) {
    const auto it = args.find(field);
    if (it != args.end() && !it->is_null()) body[field] = *it;
  }
  if (!body.contains("idempotency_key")) body["idempotency_key"] = RandomIdempotencyKey();
  auto a = CallJson({"POST", path, {}, RpcText(body)});
  if (!a.ok()) return FailureFromStatus(a.status());
  if (a->status != 200) return FailureFromAnswer(a->status, a->body);
  const Json& r = a->body;
  const std::string what = args.contains("tool")
                               ? "tool " + Arg(args, "tool") + " at " + Arg(args, "url")
                               : Arg(args, "url");
  // What the other side did: "answered 200", "reported an error", …
  std::string answered = "answered";
  if (r.contains("status")) {
    answered = "answered " + r["status"].dump();
  } else if (r.contains("mcp_error")) {
    answered = "answered an MCP error";
  } else if (Str(r.value("result", Json::object()), "isError") == "true") {
    answered = "reported an error";
  }
  std::string text;
  if (Str(r, "decision") == "paid") {
    text = "paid " + Str(r, "amount") + " for " + what + " (spend " + Str(r, "spend_id") +
           "); it " + answered;
  } else if (Str(r, "decision") == "not_paid") {
    text = what + " refused the payment (nothing was spent); it " + answered;
  } else {
    text = what + " " + answered + "; nothing was paid";
  }
  return ToolSuccess(std::move(a->body), text);
}

Result<Json> StubTools::ReadResource(std::string_view uri) {
  std::string prefix;
  if (uri == "stub://budget") {
    prefix = "/v1/budgets/";
  } else if (uri == "stub://policy") {
    prefix = "/v1/policies/";
  } else {
    return NotFound("unknown resource '" + std::string(uri) + "'", "unknown_resource");
  }
  STUB_ASSIGN_OR_RETURN(KeyIdentity me, Me());
  if (me.node().empty()) return FailedPrecondition("this key has no budget node", "forbidden");
  STUB_ASSIGN_OR_RETURN(ApiAnswer a, api_.Call({"GET", prefix + me.node(), {}, ""}));
  if (a.status != 200) {
    auto body = ParseBoundedJson(a.body);
    const Json failure = FailureFromAnswer(a.status, body.ok() ? *body : Json());
    const Json& s = failure["structuredContent"];
    return Status(StatusCode::kFailedPrecondition, Str(s, "message"), Str(s, "reason"));
  }
  return Json{{"contents", Json::array({{{"uri", std::string(uri)},
                                         {"mimeType", "application/json"},
                                         {"text", std::move(a.body)}}})}};
}

}  // namespace stub::mcp
