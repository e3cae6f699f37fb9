// The MCP server at /mcp on a real StubServer over loopback HTTP (issue 21):
// the Streamable HTTP transport's statuses, initialize and version
// negotiation, every tool's success path with exact amounts, denials and
// API errors as tool errors, and the resources. On the memory store and
// SQLite.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using nlohmann::json;

class McpEndpointTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::unique_ptr<Store> MakeStore() override {
    return GetParam() == "sqlite" ? MakeSqliteStore() : ServerTest::MakeStore();
  }

  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(
        admin.Put("/v1/teams/research", {{"limits", {{{"amount", "10.00"}, {"period", "month"}}}}})
            .status,
        201);
    for (const char* agent : {"a1", "a2"}) {
      ASSERT_EQ(
          admin
              .Put(std::string("/v1/agents/") + agent,
                   {{"team", "research"}, {"limits", {{{"amount", "100.00"}, {"period", "day"}}}}})
              .status,
          201);
    }
    auto k = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "a1"}});
    ASSERT_EQ(k.status, 201);
    agent_key_ = k.json()["key"];
    k = admin.Post("/v1/keys", {{"role", "finance"}});
    ASSERT_EQ(k.status, 201);
    finance_key_ = k.json()["key"];
  }

  // POSTs one JSON-RPC request to /mcp as `key`; expects 200 and returns the
  // answer message.
  json Rpc(const std::string& key, const std::string& method, const json& params, int id = 1) {
    auto client = Client(key);
    auto r = client.Send(
        "POST", "/mcp",
        json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    auto j = r.json();
    EXPECT_EQ(j["jsonrpc"], "2.0");
    EXPECT_EQ(j["id"], id);
    return j;
  }

  // tools/call `name` with `args` as `key`: the CallToolResult.
  json Tool(const std::string& key, const std::string& name, const json& args) {
    json answer = Rpc(key, "tools/call", {{"name", name}, {"arguments", args}});
    EXPECT_TRUE(answer.contains("result")) << answer.dump();
    const json result = answer["result"];
    EXPECT_EQ(result["content"].size(), 1u) << result.dump();
    EXPECT_EQ(result["content"][0]["type"], "text");
    EXPECT_TRUE(result["structuredContent"].is_object()) << result.dump();
    return result;
  }

  static std::string Text(const json& result) { return result["content"][0]["text"]; }

  std::string admin_key_;
  std::string agent_key_;
  std::string finance_key_;
};

TEST_P(McpEndpointTest, InitializeNegotiatesTheProtocolVersion) {
  json init = Rpc(agent_key_, "initialize",
                  {{"protocolVersion", "2025-06-18"},
                   {"capabilities", json::object()},
                   {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
  EXPECT_EQ(init["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(init["result"]["serverInfo"]["name"], "stub");
  EXPECT_TRUE(init["result"]["capabilities"].contains("tools"));
  EXPECT_TRUE(init["result"]["capabilities"].contains("resources"));
  for (const char* v : {"2025-11-25", "2025-03-26", "2024-11-05"}) {
    EXPECT_EQ(Rpc(agent_key_, "initialize", {{"protocolVersion", v}})["result"]["protocolVersion"],
              v);
  }
  // A version it does not speak: it answers its latest.
  EXPECT_EQ(Rpc(agent_key_, "initialize",
                {{"protocolVersion", "1999-01-01"}})["result"]["protocolVersion"],
            "2025-11-25");
  EXPECT_EQ(Rpc(agent_key_, "ping", json::object())["result"], json::object());
}

TEST_P(McpEndpointTest, ListsEveryToolWithAClosedSchema) {
  json tools = Rpc(agent_key_, "tools/list", json::object())["result"]["tools"];
  std::vector<std::string> names;
  for (const json& t : tools) {
    names.push_back(t["name"]);
    EXPECT_FALSE(t["description"].get<std::string>().empty()) << t["name"];
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    EXPECT_EQ(t["inputSchema"]["additionalProperties"], false) << t["name"];
  }
  EXPECT_EQ(names, std::vector<std::string>({"get_budget", "request_spend", "hold", "capture",
                                             "void", "list_my_spends", "explain_denial",
                                             "pay_and_fetch", "pay_and_call_tool", "ask"}));
  EXPECT_EQ(tools[1]["inputSchema"]["required"], json({"amount", "vendor"}));
  EXPECT_EQ(tools[3]["inputSchema"]["required"], json({"hold_id", "amount"}));
}

TEST_P(McpEndpointTest, EveryToolWorksAsAnAgentKey) {
  // get_budget: the team's month limit binds.
  json r = Tool(agent_key_, "get_budget", json::object());
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"]["id"], "a1");
  EXPECT_EQ(r["structuredContent"]["effective_remaining"], "10");
  EXPECT_EQ(r["structuredContent"]["binding"], json({{"node", "research"}, {"period", "month"}}));
  EXPECT_EQ(Text(r), "10 left; bound by research's month limit");

  // request_spend, and its replay with the same key.
  r = Tool(agent_key_, "request_spend",
           {{"amount", "2.50"},
            {"vendor", "api.dataco.com"},
            {"category", "data"},
            {"intent", "weekly report"},
            {"idempotency_key", "s1"},
            {"receipt", {{"tx", "0xabc"}}}});
  ASSERT_EQ(r["isError"], false) << r.dump();
  const std::string spend_id = r["structuredContent"]["id"];
  EXPECT_EQ(r["structuredContent"]["status"], "approved");
  EXPECT_EQ(r["structuredContent"]["amount"], "2.5");
  EXPECT_EQ(r["structuredContent"]["effective_remaining"], "7.5");
  EXPECT_EQ(Text(r), "approved 2.5 at api.dataco.com (spend " + spend_id + "); 7.5 left");
  r = Tool(agent_key_, "request_spend",
           {{"amount", "2.50"},
            {"vendor", "api.dataco.com"},
            {"category", "data"},
            {"intent", "weekly report"},
            {"idempotency_key", "s1"},
            {"receipt", {{"tx", "0xabc"}}}});
  EXPECT_EQ(r["structuredContent"]["id"], spend_id);

  // hold → capture less; hold → void.
  r = Tool(agent_key_, "hold",
           {{"amount", "3.00"},
            {"vendor", "api.openai.com"},
            {"idempotency_key", "h1"},
            {"expires_in", 600}});
  ASSERT_EQ(r["isError"], false) << r.dump();
  const std::string hold_id = r["structuredContent"]["id"];
  EXPECT_EQ(r["structuredContent"]["status"], "held");
  EXPECT_EQ(r["structuredContent"]["amount"], "3");
  EXPECT_EQ(r["structuredContent"]["expires_at"], "2026-11-28T10:10:00Z");
  EXPECT_EQ(
      Tool(agent_key_, "get_budget", json::object())["structuredContent"]["effective_remaining"],
      "4.5");
  clock_.Advance(1'000);  // items list newest first: one millisecond apart
  r = Tool(agent_key_, "capture", {{"hold_id", hold_id}, {"amount", "1.25"}});
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"]["status"], "approved");
  EXPECT_EQ(r["structuredContent"]["amount"], "1.25");
  EXPECT_EQ(r["structuredContent"]["effective_remaining"], "6.25");
  r = Tool(agent_key_, "capture", {{"hold_id", hold_id}, {"amount", "1.25"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "hold_not_pending");
  r = Tool(agent_key_, "hold",
           {{"amount", "1.00"}, {"vendor", "api.openai.com"}, {"idempotency_key", "h2"}});
  const std::string hold2 = r["structuredContent"]["id"];
  r = Tool(agent_key_, "void", {{"hold_id", hold2}});
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"], json({{"id", hold2}, {"status", "voided"}}));
  EXPECT_EQ(Text(r), "voided hold " + hold2);

  // Over the limit: a tool error with the denial's reason and fields.
  clock_.Advance(1'000);
  r = Tool(agent_key_, "request_spend",
           {{"amount", "7.00"}, {"vendor", "api.dataco.com"}, {"idempotency_key", "s2"}});
  EXPECT_EQ(r["isError"], true);
  const json denial = r["structuredContent"];
  EXPECT_EQ(denial["reason"], "budget_exceeded");
  EXPECT_EQ(denial["status"], "denied");
  EXPECT_EQ(denial["node"], "research");
  EXPECT_EQ(denial["period"], "month");
  EXPECT_EQ(denial["limit"], "10");
  EXPECT_EQ(denial["used"], "3.75");
  EXPECT_EQ(Text(r), "budget_exceeded: " + denial["message"].get<std::string>());
  const std::string denial_id = denial["id"];

  // list_my_spends: its own three items, newest first; filters pass through.
  r = Tool(agent_key_, "list_my_spends", json::object());
  ASSERT_EQ(r["isError"], false) << r.dump();
  const json items = r["structuredContent"]["items"];
  ASSERT_EQ(items.size(), 3u) << r.dump();
  EXPECT_EQ(items[0]["id"], denial_id);
  EXPECT_EQ(items[1]["amount"], "1.25");
  EXPECT_EQ(items[2]["id"], spend_id);
  EXPECT_EQ(Text(r), "3 spends (2 approved, 1 denied)");
  r = Tool(agent_key_, "list_my_spends", {{"status", "denied"}, {"limit", 5}});
  ASSERT_EQ(r["structuredContent"]["items"].size(), 1u);
  r = Tool(agent_key_, "list_my_spends", {{"limit", 1}});
  EXPECT_EQ(r["structuredContent"]["items"].size(), 1u);
  const std::string cursor = r["structuredContent"]["next_cursor"];
  r = Tool(agent_key_, "list_my_spends", {{"limit", 5}, {"cursor", cursor}});
  EXPECT_EQ(r["structuredContent"]["items"].size(), 2u);

  // explain_denial: why, and what fits now.
  r = Tool(agent_key_, "explain_denial", {{"spend_id", denial_id}});
  ASSERT_EQ(r["isError"], false) << r.dump();
  const json why = r["structuredContent"];
  EXPECT_EQ(why["reason"], "budget_exceeded");
  EXPECT_EQ(why["node"], "research");
  EXPECT_EQ(why["period"], "month");
  EXPECT_EQ(why["amount"], "7");
  EXPECT_EQ(why["fits_at_most"], "6.25");
  EXPECT_EQ(why["budget"]["binding"], json({{"node", "research"}, {"period", "month"}}));
  EXPECT_NE(Text(r).find("a spend of at most 6.25 fits"), std::string::npos) << Text(r);
  r = Tool(agent_key_, "explain_denial", {{"spend_id", spend_id}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "not_denied");
  r = Tool(agent_key_, "explain_denial", {{"spend_id", "sp_nope"}});
  EXPECT_EQ(r["structuredContent"]["reason"], "not_found");

  // ask: not for agent keys.
  r = Tool(agent_key_, "ask", {{"question", "how much did we spend this month?"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "forbidden");
  EXPECT_EQ(Text(r).rfind("forbidden: ", 0), 0u) << Text(r);
}

TEST_P(McpEndpointTest, ArgumentAndApiErrorsAreToolErrors) {
  json r = Tool(agent_key_, "request_spend", {{"amount", 2.5}, {"vendor", "x.com"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "invalid_request");
  r = Tool(agent_key_, "request_spend", {{"amount", "1"}, {"vendor", "x.com"}, {"agent", "a2"}});
  EXPECT_EQ(r["structuredContent"]["reason"], "invalid_request");
  EXPECT_EQ(r["structuredContent"]["message"], "unknown argument 'agent'");
  r = Tool(agent_key_, "request_spend", {{"vendor", "x.com"}});
  EXPECT_EQ(r["structuredContent"]["message"], "argument 'amount' is required");
  r = Tool(agent_key_, "request_spend", {{"amount", "0.0000001"}, {"vendor", "x.com"}});
  EXPECT_EQ(r["structuredContent"]["reason"], "invalid_amount");
  r = Tool(agent_key_, "capture", {{"hold_id", "../../v1/org"}, {"amount", "1"}});
  EXPECT_EQ(r["structuredContent"]["reason"], "invalid_request");
  r = Tool(agent_key_, "void", {{"hold_id", "hd_nope"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "not_found");

  // Protocol errors: an unknown tool or method, params of the wrong shape.
  json a = Rpc(agent_key_, "tools/call", {{"name", "transfer_all"}});
  EXPECT_EQ(a["error"]["code"], -32602);
  a = Rpc(agent_key_, "tools/call", {{"arguments", json::object()}});
  EXPECT_EQ(a["error"]["code"], -32602);
  a = Rpc(agent_key_, "tools/call", {{"name", "get_budget"}, {"arguments", "x"}});
  EXPECT_EQ(a["error"]["code"], -32602);
  a = Rpc(agent_key_, "prompts/list", json::object());
  EXPECT_EQ(a["error"]["code"], -32601);
}

TEST_P(McpEndpointTest, OrgWideKeysActOnTheOrgAndMayAsk) {
  json r = Tool(admin_key_, "get_budget", json::object());
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"]["id"], "acme");
  EXPECT_EQ(Text(r), "no limit applies to acme");
  ASSERT_EQ(Client(agent_key_)
                .Post("/v1/spends",
                      {{"amount", "1.50"}, {"vendor", "api.dataco.com"}, {"idempotency_key", "k"}})
                .status,
            201);
  r = Tool(finance_key_, "list_my_spends", json::object());
  ASSERT_EQ(r["isError"], false) << r.dump();
  ASSERT_EQ(r["structuredContent"]["items"].size(), 1u);
  EXPECT_EQ(r["structuredContent"]["items"][0]["agent"], "a1");
  r = Tool(finance_key_, "ask", {{"question", "how much did we spend this month?"}});
  ASSERT_EQ(r["isError"], false) << r.dump();
  EXPECT_EQ(r["structuredContent"]["total"], "1.5");
  EXPECT_FALSE(Text(r).empty());
}

TEST_P(McpEndpointTest, ResourcesAreTheKeysBudgetAndPolicy) {
  ASSERT_EQ(Client(admin_key_).Put("/v1/policies/a1", {{"max_per_spend", "5.00"}}).status, 200);
  json list = Rpc(agent_key_, "resources/list", json::object())["result"]["resources"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["uri"], "stub://budget");
  EXPECT_EQ(list[1]["uri"], "stub://policy");
  json c = Rpc(agent_key_, "resources/read", {{"uri", "stub://budget"}})["result"]["contents"];
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["uri"], "stub://budget");
  EXPECT_EQ(c[0]["mimeType"], "application/json");
  json budget = json::parse(c[0]["text"].get<std::string>());
  EXPECT_EQ(budget["id"], "a1");
  EXPECT_EQ(budget["effective_remaining"], "10");
  c = Rpc(agent_key_, "resources/read", {{"uri", "stub://policy"}})["result"]["contents"];
  json policy = json::parse(c[0]["text"].get<std::string>());
  EXPECT_EQ(policy["node"], "a1");
  EXPECT_EQ(policy["policy"]["max_per_spend"], "5");
  EXPECT_EQ(policy["inherited"], json::array());  // no ancestor has one
  json a = Rpc(agent_key_, "resources/read", {{"uri", "stub://secrets"}});
  EXPECT_EQ(a["error"]["code"], -32002);
}

TEST_P(McpEndpointTest, TheTransportAnswersWithHttpStatuses) {
  auto agent = Client(agent_key_);
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  for (const char* method : {"GET", "DELETE"}) {
    auto r = agent.Send(method, "/mcp");
    EXPECT_EQ(r.status, 405) << method;
    EXPECT_EQ(r.header("allow"), "POST") << method;
  }
  auto r = Client().Send("POST", "/mcp", ping);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("www-authenticate"), "Bearer");
  r = Client("stub_live_not_a_key").Send("POST", "/mcp", ping);
  EXPECT_EQ(r.status, 401);
  r = agent.Send("POST", "/mcp", ping, {{"MCP-Protocol-Version", "1999-01-01"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], -32600);
  r = agent.Send("POST", "/mcp", ping, {{"MCP-Protocol-Version", "2025-06-18"}});
  EXPECT_EQ(r.status, 200);
  r = agent.Send("POST", "/mcp", R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "");
  r = agent.Send("POST", "/mcp", R"({"jsonrpc":"2.0","id":5,"result":{}})");
  EXPECT_EQ(r.status, 202);
  r = agent.Send("POST", "/mcp", "{not json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], -32700);
  EXPECT_TRUE(r.json()["id"].is_null());
  r = agent.Send("POST", "/mcp", "[" + ping + "]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], -32600);
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)";
  for (int i = 0; i < 50'000; ++i) deep += "[";
  r = agent.Send("POST", "/mcp", deep);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], -32700);
  // The server is still there.
  EXPECT_EQ(Client().Get("/healthz").status, 200);

  // GET /v1/me tells a key who it is.
  auto me = agent.Get("/v1/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["role"], "agent");
  EXPECT_EQ(me.json()["org"], "acme");
  EXPECT_EQ(me.json()["agent"], "a1");
  EXPECT_EQ(Client().Get("/v1/me").status, 401);
}

INSTANTIATE_TEST_SUITE_P(Stores, McpEndpointTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace stub::server_testing
