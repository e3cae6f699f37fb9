#include "server/openapi.h"

#include <cctype>
#include <map>
#include <string_view>

#include "server/router.h"

namespace stub {
namespace {

Json Ref(std::string_view name) { return {{"$ref", "#/components/schemas/" + std::string(name)}}; }

Json Str(std::string_view description = "") {
  Json j = {{"type", "string"}};
  if (!description.empty()) j["description"] = std::string(description);
  return j;
}

Json Obj(Json properties, std::vector<std::string> required = {}) {
  Json j = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) j["required"] = required;
  return j;
}

Json ArrayOf(Json items) { return {{"type", "array"}, {"items", std::move(items)}}; }

Json Nullable(Json schema) {
  return {{"oneOf", Json::array({std::move(schema), {{"type", "null"}}})}};
}

Json Enum(std::vector<std::string> values) { return {{"type", "string"}, {"enum", values}}; }

const std::vector<std::string> kPeriods = {"day", "week", "month", "quarter", "year", "total"};
const std::vector<std::string> kReasons = {
    "budget_exceeded",  "per_spend_limit", "window_limit", "vendor_blocked",   "vendor_not_allowed",
    "category_blocked", "agent_frozen",    "kill_switch",  "velocity_tripped", "contention"};
const std::vector<std::string> kErrorCodes = {"invalid_json",
                                              "invalid_amount",
                                              "invalid_request",
                                              "unauthorized",
                                              "forbidden",
                                              "not_found",
                                              "already_exists",
                                              "idempotency_key_reused",
                                              "hold_not_pending",
                                              "capture_exceeds_hold",
                                              "approval_not_pending",
                                              "payload_too_large",
                                              "unanswerable",
                                              "method_not_allowed",
                                              "not_implemented",
                                              "unavailable",
                                              "overloaded",
                                              "secret_key_missing",
                                              "too_many_providers",
                                              "idempotent_replay",
                                              "idempotency_key_in_flight",
                                              "upstream_unavailable",
                                              "upstream_too_large",
                                              "secret_unreadable",
                                              "upstream_no_answer",
                                              "mcp_protocol_error",
                                              "x402_over_max_amount",
                                              "x402_asset_not_allowed",
                                              "x402_network_not_allowed",
                                              "x402_no_payable_option",
                                              "x402_invalid_requirements",
                                              "x402_no_wallet",
                                              "x402_signer_missing",
                                              "x402_signer_changed",
                                              "too_many_wallets",
                                              "target_not_public",
                                              "approval_required",
                                              "internal"};

Json Schemas() {
  Json s = Json::object();
  s["Error"] =
      Obj({{"error", Obj({{"code", Enum(kErrorCodes)}, {"message", Str()}}, {"code", "message"})}},
          {"error"});
  s["Amount"] = {{"type", "string"},
                 {"pattern", "^[0-9]+(\\.[0-9]{1,6})?$"},
                 {"description",
                  "A decimal in the org's currency, at most 6 fractional digits (never a JSON "
                  "number)"},
                 {"examples", {"0.25"}}};
  s["SignedAmount"] = {{"type", "string"}, {"pattern", "^-?[0-9]+(\\.[0-9]{1,6})?$"}};
  s["Id"] = {{"type", "string"}, {"pattern", "^[a-z0-9][a-z0-9_.-]{0,63}$"}};
  s["Time"] = {{"type", "string"}, {"format", "date-time"}, {"description", "RFC 3339, UTC"}};
  s["Period"] = Enum(kPeriods);
  s["Limit"] = Obj({{"amount", Ref("Amount")}, {"period", Ref("Period")}}, {"amount", "period"});
  s["Binding"] = Obj({{"node", Str()}, {"period", Ref("Period")}}, {"node", "period"});
  s["Node"] = Obj({{"id", Ref("Id")},
                   {"kind", Enum({"org", "team", "agent"})},
                   {"name", Str()},
                   {"parent", Str()},
                   {"limits", ArrayOf(Ref("Limit"))},
                   {"frozen", {{"type", "boolean"}}}},
                  {"id", "kind", "limits", "frozen"});
  s["Org"] = Obj({{"id", Ref("Id")},
                  {"name", Str()},
                  {"currency", Str("ISO 4217")},
                  {"created_at", Ref("Time")},
                  {"kill_switch", {{"type", "boolean"}}},
                  {"max_spend", Ref("Amount")}},
                 {"id", "name", "currency"});
  s["OrgCreate"] =
      Obj({{"id", Ref("Id")}, {"name", Str()}, {"currency", Str("ISO 4217; USD")}}, {"id"});
  s["OrgCreated"] = {
      {"allOf",
       Json::array({Ref("Org"), Obj({{"admin_key", Str("the org's first admin key, shown once")},
                                     {"admin_key_id", Str()}},
                                    {"admin_key"})})}};
  s["KeyRole"] = Enum({"admin", "finance", "approver", "agent"});
  s["KeyCreate"] = Obj({{"role", Ref("KeyRole")},
                        {"agent", Str("required for (only) an agent key")},
                        {"name", Str()}},
                       {"role"});
  s["Key"] = Obj({{"id", Str()},
                  {"role", Ref("KeyRole")},
                  {"name", Str()},
                  {"agent", Str()},
                  {"created_at", Ref("Time")},
                  {"revoked", {{"type", "boolean"}}},
                  {"revoked_at", Ref("Time")}},
                 {"id", "role"});
  s["KeyCreated"] = {
      {"allOf", Json::array({Ref("Key"), Obj({{"key", Str("the secret, shown once")}}, {"key"})})}};
  s["KeyList"] = Obj({{"items", ArrayOf(Ref("Key"))}}, {"items"});
  s["OrgPut"] = Obj({{"limits", ArrayOf(Ref("Limit"))}});
  s["TeamPut"] = Obj({{"parent", Str("a team id; absent: under the org root when created, "
                                     "unchanged when updated")},
                      {"name", Str()},
                      {"limits", ArrayOf(Ref("Limit"))}});
  s["AgentPut"] =
      Obj({{"team", Str()}, {"name", Str()}, {"limits", ArrayOf(Ref("Limit"))}}, {"team"});
  s["LimitView"] = Obj({{"amount", Ref("Amount")},
                        {"period", Ref("Period")},
                        {"spent", Ref("Amount")},
                        {"held", Ref("Amount")},
                        {"remaining", Ref("Amount")}},
                       {"amount", "period", "spent", "held", "remaining"});
  s["BudgetNode"] = Obj({{"id", Str()},
                         {"kind", Enum({"org", "team", "agent"})},
                         {"name", Str()},
                         {"parent", Str()},
                         {"limits", ArrayOf(Ref("LimitView"))},
                         {"frozen", {{"type", "boolean"}}},
                         {"children", ArrayOf(Ref("BudgetNode"))},
                         {"effective_remaining", Nullable(Ref("Amount"))},
                         {"binding", Nullable(Ref("Binding"))}},
                        {"id", "kind", "limits", "frozen", "children"});
  Json spend_props = {
      {"agent", Str("optional with an agent key (must match it)")},
      {"amount", Ref("Amount")},
      {"vendor", Str("normalised host or payee id")},
      {"category", Str()},
      {"session", Str()},
      {"user", Str()},
      {"intent", Str()},
      {"idempotency_key",
       {{"type", "string"},
        {"minLength", 1},
        {"maxLength", 255},
        {"description", "required here or as the Idempotency-Key header"}}},
      {"receipt", {{"type", "object"}, {"description", "any JSON object ≤ 64 KiB"}}}};
  s["SpendRequest"] = Obj(spend_props, {"amount", "vendor"});
  Json hold_props = spend_props;
  hold_props["expires_in"] = {{"type", "integer"},
                              {"minimum", 1},
                              {"maximum", 2592000},
                              {"description", "seconds; default 300"}};
  hold_props["on_expiry"] = {
      {"type", "string"},
      {"enum", {"expire", "capture"}},
      {"description",
       "what becomes of the hold if it is neither captured nor voided in time: released "
       "(expire, the default) or captured in full (capture: for money that may be gone once "
       "the hold is taken, such as a call already made)"}};
  s["HoldRequest"] = Obj(hold_props, {"amount", "vendor"});
  s["CaptureRequest"] =
      Obj({{"amount", Ref("Amount")}, {"receipt", {{"type", "object"}}}}, {"amount"});
  s["EntryRef"] = Obj({{"seq", {{"type", "integer"}}}, {"hash", Str()}}, {"seq", "hash"});
  s["Approved"] = Obj({{"id", Str()},
                       {"status", Enum({"approved", "held"})},
                       {"amount", Ref("Amount")},
                       {"entry", Ref("EntryRef")},
                       {"effective_remaining", Nullable(Ref("Amount"))},
                       {"binding", Ref("Binding")},
                       {"expires_at", Ref("Time")}},
                      {"id", "status", "amount", "entry", "effective_remaining"});
  s["Denied"] = Obj({{"id", Str()},
                     {"status", Enum({"denied"})},
                     {"amount", Ref("Amount")},
                     {"reason", Enum(kReasons)},
                     {"node", Str()},
                     {"period", Ref("Period")},
                     {"message", Str()}},
                    {"id", "status", "reason", "message"});
  s["Hold"] = Obj({{"id", Str()},
                   {"status", Enum({"held", "captured", "voided", "expired"})},
                   {"agent", Str()},
                   {"amount", Ref("Amount")},
                   {"vendor", Str()},
                   {"category", Str()},
                   {"session", Str()},
                   {"user", Str()},
                   {"intent", Str()},
                   {"created_at", Ref("Time")},
                   {"expires_at", Ref("Time")},
                   {"on_expiry", Enum({"expire", "capture"})},
                   {"captured", Ref("Amount")},
                   {"spend_id", Str()},
                   {"resolved_at", Ref("Time")}},
                  {"id", "status", "agent", "amount", "expires_at"});
  s["Voided"] = Obj({{"id", Str()}, {"status", Enum({"voided"})}}, {"id", "status"});
  s["SpendItem"] = Obj({{"id", Str()},
                        {"status", Enum({"approved", "denied"})},
                        {"agent", Str()},
                        {"amount", Ref("Amount")},
                        {"vendor", Str()},
                        {"category", Str()},
                        {"session", Str()},
                        {"user", Str()},
                        {"intent", Str()},
                        {"reason", Enum(kReasons)},
                        {"created_at", Ref("Time")},
                        {"entry", Ref("EntryRef")},
                        {"receipt", {{"type", {"object", "null"}}}}},
                       {"id", "status", "agent", "amount", "vendor", "created_at"});
  s["SpendList"] = Obj({{"items", ArrayOf(Ref("SpendItem"))}, {"next_cursor", Str()}}, {"items"});
  s["Line"] = Obj({{"account", Str()}, {"amount", Ref("SignedAmount")}}, {"account", "amount"});
  s["Entry"] = Obj({{"seq", {{"type", "integer"}}},
                    {"hash", Str()},
                    {"prev_hash", Str()},
                    {"created_at", Ref("Time")},
                    {"kind", Str()},
                    {"ref", Str()},
                    {"agent", Str()},
                    {"amount", Ref("Amount")},
                    {"lines", ArrayOf(Ref("Line"))}},
                   {"seq", "hash", "prev_hash", "created_at", "kind", "lines"});
  // A page ends at `limit` entries or at 4 MiB of receipts; the journal
  // ends at an empty page. next_after_seq: the after_seq of the next page.
  s["Journal"] =
      Obj({{"entries", ArrayOf(Ref("Entry"))}, {"next_after_seq", {{"type", "integer"}}}},
          {"entries", "next_after_seq"});
  s["Verify"] = Obj(
      {{"ok", {{"type", "boolean"}}},
       {"entries", {{"type", "integer"}}},
       {"head", Str("hex")},
       {"problems",
        ArrayOf(Obj(
            {{"code", Str()}, {"message", Str()}, {"seq", {{"type", "integer"}}}, {"node", Str()}},
            {"code", "message"}))}},
      {"ok", "entries", "head", "problems"});
  s["SessionCreate"] = {
      {"oneOf",
       Json::array(
           {Obj({{"key", Str("an admin, finance or approver API key")}}, {"key"}),
            Obj({{"link", Str("the token of a single-use sign-in link (`stub serve --demo` prints "
                              "http://HOST:PORT/#signin=<token>; it expires in 10 minutes)")}},
                {"link"})})}};
  s["Session"] =
      Obj({{"org", Ref("Id")},
           {"currency", Str("the org's currency (ISO 4217)")},
           {"kill_switch", {{"type", "boolean"}, {"description", "the org's kill-switch state"}}},
           {"role", Enum({"admin", "finance", "approver"})},
           {"key_id", Str("the key the session acts as")},
           {"name", Str("the key's name")},
           {"csrf_token", Str("send as X-CSRF-Token on every request that changes state with the "
                              "session cookie")},
           {"expires_at", Ref("Time")}},
          {"org", "currency", "kill_switch", "role", "key_id", "name", "csrf_token", "expires_at"});
  const Json model_price = Obj({{"input", Ref("Amount")},
                                {"output", Ref("Amount")},
                                {"cached_input", Ref("Amount")},
                                {"max_output_tokens", {{"type", "integer"}, {"minimum", 1}}}},
                               {"input", "output"});
  const Json provider_fields = {
      {"kind", Enum({"openai", "anthropic"})},
      {"base_url", Str("the provider's API root with its version, e.g. https://api.openai.com/v1")},
      {"models",
       {{"type", "object"},
        {"description", "prices per 1,000,000 tokens, by model name"},
        {"additionalProperties", model_price}}},
      {"default_category", Str("the category calls are booked under (default llm)")}};
  Json put = provider_fields;
  put["api_key"] = Str("the provider's secret: write-only, stored sealed, never answered");
  s["ProviderPut"] = Obj(put, {"kind", "base_url", "api_key", "models"});
  Json shown = provider_fields;
  shown["name"] = Str();
  shown["vendor"] = Str("the host calls are held and booked under (vendor policies apply)");
  shown["api_key_set"] = {{"type", "boolean"}};
  s["Provider"] = Obj(shown, {"name", "kind", "base_url", "vendor", "models", "default_category"});
  s["ProviderList"] = Obj({{"items", ArrayOf(Ref("Provider"))}}, {"items"});
  const Json wallet_fields = {
      {"signer", Str("a signer the server was started with (stub serve --signer NAME=…)")},
      {"networks",
       ArrayOf(Str("eip155:<chain id> or an x402 network name (base, base-sepolia, …)"))},
      {"assets",
       {{"type", "object"},
        {"description", "by token address: its decimals and rate (org currency per whole token)"},
        {"additionalProperties",
         Obj({{"decimals", {{"type", "integer"}, {"minimum", 0}, {"maximum", 36}}},
              {"rate", Ref("Amount")}},
             {"decimals", "rate"})}}},
      {"category", Str("what payments are booked under (default x402)")}};
  s["WalletPut"] = Obj(wallet_fields, {"signer", "networks", "assets"});
  Json wallet_shown = wallet_fields;
  wallet_shown["id"] = Str();
  wallet_shown["address"] = Str("the signer's address (EIP-55), derived when the wallet was put");
  s["Wallet"] = Obj(wallet_shown, {"id", "signer", "address", "networks", "assets", "category"});
  s["WalletList"] = Obj({{"items", ArrayOf(Ref("Wallet"))}}, {"items"});
  s["X402Fetch"] = Obj({{"url", Str("the resource, http(s); private addresses refused")},
                        {"method", Enum({"GET", "POST", "PUT", "PATCH", "DELETE"})},
                        {"headers", {{"type", "object"}, {"additionalProperties", Str()}}},
                        {"body", Str()},
                        {"body_base64", Str()},
                        {"max_amount", Ref("Amount")},
                        {"wallet", Str("the wallet to pay from (default: the org's only one)")},
                        {"session", Str()},
                        {"user", Str()},
                        {"intent", Str()},
                        {"idempotency_key", Str("a retry with the same key never pays twice")}},
                       {"url", "idempotency_key"});
  s["X402ToolCall"] =
      Obj({{"url",
            Str("the MCP server's Streamable HTTP endpoint, http(s); private addresses refused")},
           {"tool", Str("the tool to call")},
           {"arguments", {{"type", "object"}}},
           {"headers", {{"type", "object"}, {"additionalProperties", Str()}}},
           {"max_amount", Ref("Amount")},
           {"wallet", Str("the wallet to pay from (default: the org's only one)")},
           {"session", Str()},
           {"user", Str()},
           {"intent", Str()},
           {"idempotency_key", Str("a retry with the same key never pays twice")}},
          {"url", "tool", "idempotency_key"});
  s["X402ToolResult"] =
      Obj({{"decision", Enum({"free", "paid", "not_paid"})},
           {"result", {{"type", "object"}, {"description", "the tool's CallToolResult, verbatim"}}},
           {"mcp_error",
            {{"type", "object"}, {"description", "the MCP server's JSON-RPC error, verbatim"}}},
           {"hold_id", Str()},
           {"spend_id", Str()},
           {"amount", Ref("Amount")},
           {"payment",
            {{"type", "object"},
             {"description",
              "the receipt's x402 part, as X402Result's, with transport \"mcp\" "
              "and the tool"}}}},
          {"decision"});
  s["X402Result"] =
      Obj({{"decision", Enum({"free", "paid", "not_paid"})},
           {"status", {{"type", "integer"}}},
           {"headers", {{"type", "object"}, {"additionalProperties", Str()}}},
           {"body", Str("the resource's body when it is UTF-8")},
           {"body_base64", Str("the resource's body otherwise")},
           {"hold_id", Str()},
           {"spend_id", Str()},
           {"amount", Ref("Amount")},
           {"payment",
            {{"type", "object"},
             {"description",
              "the receipt's x402 part: scheme, network, asset, pay_to, amount_atomic, payer, "
              "nonce, valid_after, valid_before, transaction, settled, resource, description"}}}},
          {"decision"});
  s["LlmRequest"] = {{"type", "object"},
                     {"description",
                      "the provider's own request body (OpenAI or Anthropic), passed through; "
                      "model and max tokens bound the hold"}};
  s["Me"] = Obj({{"role", Enum({"root", "admin", "finance", "approver", "agent"})},
                 {"org", Str("empty for a root key")},
                 {"agent", Str("an agent key's agent")},
                 {"key_id", Str()}},
                {"role", "org", "key_id"});
  s["JsonRpcMessage"] = {{"type", "object"},
                         {"description",
                          "one JSON-RPC 2.0 message of the Model Context Protocol "
                          "(batches are refused)"},
                         {"required", {"jsonrpc"}},
                         {"properties", {{"jsonrpc", {{"const", "2.0"}}}}}};
  s["Health"] = Obj({{"ok", {{"type", "boolean"}}},
                     {"store", Str()},
                     {"store_answers", {{"type", "boolean"}}},
                     {"batcher_stalled", {{"type", "boolean"}}}},
                    {"ok"});
  return s;
}

struct Answer {
  int status;
  std::string schema;  // components/schemas name; "" for no body
  std::string description;
  std::string media = "application/json";
};

struct Operation {
  std::string summary;
  std::string request;  // components/schemas name, or ""
  std::vector<Answer> answers;
  std::vector<std::string> query;  // query parameters (strings)
};

// "METHOD pattern" → what the route takes and answers.
const std::map<std::string, Operation>& Operations() {
  static const std::map<std::string, Operation> ops = {
      {"GET /healthz", {"Liveness", "", {{200, "Health", "alive"}}, {}}},
      {"GET /readyz",
       {"Readiness: the store answers and spends are being committed",
        "",
        {{200, "Health", "ready"},
         {503, "Health", "the store does not answer in time, or the spend batcher is stalled"}},
        {}}},
      {"GET /metrics",
       {"Prometheus metrics", "", {{200, "", "text exposition format", "text/plain"}}, {}}},
      {"GET /openapi.json", {"This document", "", {{200, "", "OpenAPI 3.1"}}, {}}},
      {"POST /mcp",
       {"Model Context Protocol, Streamable HTTP (stateless, JSON answers): Stub's tools and "
        "resources as the Bearer key. GET and DELETE answer 405",
        "JsonRpcMessage",
        {{200, "JsonRpcMessage", "the answer to a request"},
         {202, "", "a notification or response was accepted"},
         {400, "JsonRpcMessage", "unreadable message or unsupported MCP-Protocol-Version"}},
        {}}},
      {"GET /v1/me", {"Who the key is", "", {{200, "Me", "the key's role, org and agent"}}, {}}},
      {"POST /v1/session",
       {"Sign in to the dashboard: exchange an admin, finance or approver key for an HttpOnly, "
        "SameSite=Strict session cookie (stub_session) and a CSRF token; or redeem a single-use "
        "sign-in link ({\"link\"}) for the same. No Authorization needed; an agent or root key "
        "gets 403, an unknown or revoked key, or a used, unknown or expired link, 401",
        "SessionCreate",
        {{200, "Session", "signed in; Set-Cookie: stub_session=…"},
         {401, "Error", "unauthorized"},
         {403, "Error", "forbidden"}},
        {}}},
      {"PUT /v1/providers/{name}",
       {"Configure an LLM provider of the metering gateway (admin). 409 secret_key_missing when "
        "the server has no STUB_SECRET_KEY / --secret-key-file",
        "ProviderPut",
        {{201, "Provider", "created"}, {200, "Provider", "replaced"}},
        {}}},
      {"GET /v1/providers",
       {"The org's LLM providers, without their keys (admin)",
        "",
        {{200, "ProviderList", "by name"}},
        {}}},
      {"GET /v1/providers/{name}",
       {"One LLM provider, without its key (admin)", "", {{200, "Provider", "the provider"}}, {}}},
      {"PUT /v1/wallets/{id}",
       {"Configure an x402 wallet (admin): a registered signer, networks and assets with "
        "rates. No key is stored. 409 x402_signer_missing when the server has no such signer",
        "WalletPut",
        {{201, "Wallet", "created"}, {200, "Wallet", "replaced"}},
        {}}},
      {"GET /v1/wallets",
       {"The org's x402 wallets (admin)", "", {{200, "WalletList", "by id"}}, {}}},
      {"GET /v1/wallets/{id}",
       {"One x402 wallet (admin)", "", {{200, "Wallet", "the wallet"}}, {}}},
      {"POST /v1/x402/fetch",
       {"Fetch a URL for the agent, paying an x402 402 from the org's wallet within its limits "
        "and policies (agent key)",
        "X402Fetch",
        {{200, "X402Result", "the resource's answer and what was paid"},
         {402, "Error", "denied by a limit or policy, or a payment Stub will not make"},
         {409, "Error", "no wallet, signer missing or changed, or an idempotent replay"},
         {502, "Error", "the resource could not be reached, or sent unreadable requirements"}},
        {}}},
      {"POST /v1/x402/mcp/call",
       {"Call a tool on another MCP server for the agent, paying what it asks over x402's MCP "
        "transport (_meta[\"x402/payment\"]) from the org's wallet within its limits and "
        "policies (agent key)",
        "X402ToolCall",
        {{200, "X402ToolResult", "the tool's result and what was paid"},
         {402, "Error", "denied by a limit or policy, or a payment Stub will not make"},
         {409, "Error", "no wallet, signer missing or changed, or an idempotent replay"},
         {502, "Error",
          "the server could not be reached, does not speak MCP, or sent unreadable "
          "requirements"}},
        {}}},
      {"POST /llm/{provider}/v1/chat/completions",
       {"OpenAI chat completions through the metering gateway (agent key as the SDK's API key): "
        "held, forwarded, captured at the usage's price; denials are 402 in OpenAI's error shape",
        "LlmRequest",
        {{200, "",
          "the provider's answer (or stream), with Stub-Hold-Id / Stub-Spend-Id / "
          "Stub-Amount headers"},
         {402, "", "denied: {\"error\":{\"code\": reason, \"type\": \"stub_denied\"}}"}},
        {}}},
      {"POST /llm/{provider}/v1/embeddings",
       {"OpenAI embeddings through the metering gateway",
        "LlmRequest",
        {{200, "", "the provider's answer"}, {402, "", "denied"}},
        {}}},
      {"POST /llm/{provider}/v1/responses",
       {"OpenAI responses through the metering gateway",
        "LlmRequest",
        {{200, "", "the provider's answer (or stream)"}, {402, "", "denied"}},
        {}}},
      {"POST /llm/{provider}/v1/messages",
       {"Anthropic messages through the metering gateway (agent key in x-api-key); denials are "
        "402 in Anthropic's error shape with the reason as error.type",
        "LlmRequest",
        {{200, "", "the provider's answer (or stream)"}, {402, "", "denied"}},
        {}}},
      {"POST /llm/{provider}/v1/v1/messages",
       {"The same, for an Anthropic SDK base URL that ends in /v1",
        "LlmRequest",
        {{200, "", "the provider's answer (or stream)"}, {402, "", "denied"}},
        {}}},
      {"GET /v1/session",
       {"The session of the stub_session cookie (a reloaded page gets its CSRF token back)",
        "",
        {{200, "Session", "signed in"}, {401, "Error", "no live session"}},
        {}}},
      {"DELETE /v1/session",
       {"Sign out: delete the session and clear the cookie (X-CSRF-Token required while the "
        "session is live)",
        "",
        {{204, "", "signed out; Set-Cookie clears stub_session"}},
        {}}},
      {"POST /v1/orgs",
       {"Create an org and its first admin key (root key)",
        "OrgCreate",
        {{201, "OrgCreated", "created"}, {409, "Error", "already_exists"}},
        {}}},
      {"POST /v1/keys",
       {"Create a key (admin)", "KeyCreate", {{201, "KeyCreated", "created"}}, {}}},
      {"GET /v1/keys", {"List the org's keys (admin)", "", {{200, "KeyList", "the keys"}}, {}}},
      {"DELETE /v1/keys/{id}",
       {"Revoke a key (admin); it stops working at once", "", {{204, "", "revoked"}}, {}}},
      {"GET /v1/org",
       {"The org's settings: name, currency, kill-switch state, max_spend (admin, finance, "
        "approver; agent keys 403)",
        "",
        {{200, "Org", "the org"}},
        {}}},
      {"PUT /v1/org",
       {"Set the org root's limits (admin)", "OrgPut", {{200, "Node", "the org node"}}, {}}},
      {"PUT /v1/teams/{id}",
       {"Create or update a team (admin)",
        "TeamPut",
        {{201, "Node", "created"}, {200, "Node", "updated"}},
        {}}},
      {"PUT /v1/agents/{id}",
       {"Create or update an agent (admin)",
        "AgentPut",
        {{201, "Node", "created"}, {200, "Node", "updated"}},
        {}}},
      {"GET /v1/budgets",
       {"The budget tree for the current periods", "", {{200, "BudgetNode", "the org root"}}, {}}},
      {"GET /v1/budgets/{node}",
       {"One node, with effective_remaining and binding",
        "",
        {{200, "BudgetNode", "the node"}},
        {}}},
      {"POST /v1/spends",
       {"Spend (approved, denied, or a replay of the same idempotency key)",
        "SpendRequest",
        {{201, "Approved", "approved"},
         {402, "Denied", "denied (recorded)"},
         {409, "Error", "idempotency_key_reused"},
         {503, "Error",
          "overloaded: the queue is full or the store did not answer in time (Retry-After; retry "
          "with the same idempotency key)"}},
        {}}},
      {"GET /v1/spends",
       {"Spends and denials, newest first",
        "",
        {{200, "SpendList", "a page"}},
        {"agent", "team", "vendor", "category", "status", "user", "session", "from", "to", "limit",
         "cursor"}}},
      {"GET /v1/spends/{id}",
       {"One spend, with its receipt", "", {{200, "SpendItem", "the spend"}}, {}}},
      {"POST /v1/holds",
       {"Reserve up to an amount",
        "HoldRequest",
        {{201, "Approved", "held"}, {402, "Denied", "denied"}},
        {}}},
      {"GET /v1/holds/{id}", {"One hold", "", {{200, "Hold", "the hold"}}, {}}},
      {"POST /v1/holds/{id}/capture",
       {"Capture a pending hold (≤ held)",
        "CaptureRequest",
        {{201, "Approved", "the spend"},
         {409, "Error", "hold_not_pending"},
         {422, "Error", "capture_exceeds_hold"}},
        {}}},
      {"POST /v1/holds/{id}/void",
       {"Void a pending hold",
        "",
        {{200, "Voided", "voided"}, {409, "Error", "hold_not_pending"}},
        {}}},
      {"GET /v1/journal",
       {"Journal entries in seq order", "", {{200, "Journal", "a page"}}, {"after_seq", "limit"}}},
      {"GET /v1/verify", {"Verify the books", "", {{200, "Verify", "the report"}}, {}}},
      {"GET /v1/events",
       {"Server-Sent Events of the key's org (resume with Last-Event-ID). The stream opens with "
        "`retry: 3000` and a `: connected` comment at once, before any event",
        "",
        {{200, "", "an event stream", "text/event-stream"}},
        {}}},
  };
  return ops;
}

std::string Key(const std::string& method, const std::string& pattern) {
  return method + " " + pattern;
}

Json Content(const Answer& a) {
  if (a.media == "application/json") {
    return {{a.media, {{"schema", a.schema.empty() ? Json::object() : Ref(a.schema)}}}};
  }
  return {{a.media, {{"schema", Str()}}}};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> OpenApiDescribedRoutes() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, op] : Operations()) {
    const auto space = key.find(' ');
    out.emplace_back(key.substr(0, space), key.substr(space + 1));
  }
  return out;
}

Json OpenApiDocument(const std::vector<std::pair<std::string, std::string>>& routes) {
  const Json error_answer = {{"description", "error envelope"},
                             {"content", {{"application/json", {{"schema", Ref("Error")}}}}}};
  Json paths = Json::object();
  for (const auto& [method, pattern] : routes) {
    std::string m = method;
    for (char& c : m) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool authed = pattern.starts_with("/v1/") || pattern.starts_with("/llm/");
    Json op = Json::object();
    op["operationId"] = m + pattern;
    Json params = Json::array();
    for (auto seg : SplitPath(pattern)) {
      if (seg.size() > 2 && seg.front() == '{') {
        params.push_back({{"name", std::string(seg.substr(1, seg.size() - 2))},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", "string"}}}});
      }
    }
    Json responses = Json::object();
    auto it = Operations().find(Key(method, pattern));
    if (it != Operations().end()) {
      const Operation& o = it->second;
      op["summary"] = o.summary;
      for (const auto& q : o.query) {
        params.push_back({{"name", q}, {"in", "query"}, {"required", false}, {"schema", Str()}});
      }
      if (!o.request.empty()) {
        op["requestBody"] = {{"required", true},
                             {"content", {{"application/json", {{"schema", Ref(o.request)}}}}}};
      }
      for (const Answer& a : o.answers) {
        Json r = {{"description", a.description}};
        if (a.status != 204 && !(a.status == 202 && a.schema.empty())) r["content"] = Content(a);
        if (a.status == 201 || a.status == 402) {
          if (Key(method, pattern) == "POST /v1/spends") {
            r["headers"] = {{"Idempotent-Replayed",
                             {{"description", "true when this is a replay"},
                              {"schema", {{"type", "string"}}}}}};
          }
        }
        responses[std::to_string(a.status)] = std::move(r);
      }
    } else {
      op["summary"] = "Not implemented in this version";
      responses["501"] = error_answer;
    }
    if (pattern == "/v1/session") {
      // Sign-in takes the key in its body; the others read the cookie.
      op["security"] =
          method == "POST" ? Json::array() : Json::array({{{"session", Json::array()}}});
      if (method == "POST") {
        responses["200"]["headers"] = {
            {"Set-Cookie",
             {{"description",
               "stub_session=<token>; HttpOnly; SameSite=Strict; Path=/; Max-Age=<seconds> "
               "(plus Secure behind TLS)"},
              {"schema", {{"type", "string"}}}}}};
      }
    } else if (pattern == "/mcp") {
      op["security"] = Json::array({{{"bearer", Json::array()}}});
      if (!responses.contains("401")) responses["401"] = error_answer;
    } else if (authed) {
      op["security"] = Json::array({{{"bearer", Json::array()}}, {{"session", Json::array()}}});
      if (!responses.contains("401")) responses["401"] = error_answer;
      if (!responses.contains("403")) responses["403"] = error_answer;
    }
    responses["4XX"] = error_answer;
    responses["5XX"] = error_answer;
    op["responses"] = std::move(responses);
    if (!params.empty()) op["parameters"] = std::move(params);
    paths[pattern][m] = std::move(op);
  }
  return {{"openapi", "3.1.0"},
          {"info",
           {{"title", "Stub API"},
            {"version", "1"},
            {"description",
             "A budget-enforcing, double-entry spend ledger for AI agents. Amounts are decimal "
             "strings; errors use one envelope."}}},
          {"servers", Json::array({{{"url", "http://127.0.0.1:8402"}}})},
          {"paths", std::move(paths)},
          {"components",
           {{"schemas", Schemas()},
            {"securitySchemes",
             {{"bearer",
               {{"type", "http"},
                {"scheme", "bearer"},
                {"description", "Authorization: Bearer stub_live_…"}}},
              {"session",
               {{"type", "apiKey"},
                {"in", "cookie"},
                {"name", "stub_session"},
                {"description",
                 "The dashboard's session (POST /v1/session). Without an Authorization header "
                 "the cookie authenticates as the session's key; a request that changes state "
                 "(not GET, HEAD or OPTIONS) must also send X-CSRF-Token, and its Origin, when "
                 "sent, must be this server's own"}}}}}}}};
}

}  // namespace stub
