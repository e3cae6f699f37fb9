// McpServer and StubTools over a recording StubApi: what each tool sends
// to Stub's API (method, path, query, body) and how it reads the answers.
// The end-to-end paths against a real server are in
// tests/server/mcp_endpoint_test.cc and tests/cli/mcp_command_test.cc.
#include "mcp/mcp_server.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

namespace stub::mcp {
namespace {

class RecordingApi final : public StubApi {
 public:
  Result<ApiAnswer> Call(const ApiCall& call) override {
    calls.push_back(call);
    if (call.path == "/v1/me") return ApiAnswer{200, me};
    if (answers.empty()) return Unavailable("connection refused");
    ApiAnswer a = answers.front();
    answers.pop_front();
    return a;
  }
  std::string me = R"({"role":"agent","org":"acme","agent":"a1","key_id":"key_1"})";
  std::deque<ApiAnswer> answers;
  std::vector<ApiCall> calls;
};

Json Call(McpServer& server, const std::string& tool, const Json& args) {
  auto answer = server.Handle(
      {RpcMessage::Kind::kRequest, 1, "tools/call", {{"name", tool}, {"arguments", args}}});
  EXPECT_TRUE(answer.has_value());
  return (*answer)["result"];
}

TEST(McpServerTest, ASpendWithoutAKeyGetsAFreshRandomOne) {
  RecordingApi api;
  McpServer server(api, "t");
  api.answers = {
      {201, R"({"id":"sp_1","status":"approved","amount":"1","effective_remaining":null})"},
      {201, R"({"id":"sp_2","status":"approved","amount":"1","effective_remaining":null})"}};
  Json r = Call(server, "request_spend", {{"amount", "1"}, {"vendor", "v.com"}});
  EXPECT_EQ(r["isError"], false);
  EXPECT_EQ(r["content"][0]["text"], "approved 1 at v.com (spend sp_1); no limit binds");
  Call(server, "request_spend", {{"amount", "1"}, {"vendor", "v.com"}});
  ASSERT_EQ(api.calls.size(), 2u);
  const Json first = Json::parse(api.calls[0].body);
  const Json second = Json::parse(api.calls[1].body);
  EXPECT_EQ(api.calls[0].method, "POST");
  EXPECT_EQ(api.calls[0].path, "/v1/spends");
  EXPECT_EQ(first["idempotency_key"].get<std::string>().rfind("mcp-", 0), 0u);
  EXPECT_EQ(first["idempotency_key"].get<std::string>().size(), 36u);
  EXPECT_NE(first["idempotency_key"], second["idempotency_key"]);
  EXPECT_FALSE(first.contains("agent"));
}

TEST(McpServerTest, ListMySpendsAsksForTheKeysAgentOnly) {
  RecordingApi api;
  McpServer server(api, "t");
  api.answers = {{200, R"({"items":[],"next_cursor":"c9"})"}};
  Json r = Call(server, "list_my_spends",
                {{"limit", 5}, {"status", "denied"}, {"from", "2026-11-01T00:00:00Z"}});
  EXPECT_EQ(r["content"][0]["text"], "0 spends (0 approved, 0 denied); more with cursor c9");
  ASSERT_EQ(api.calls.size(), 2u);  // /v1/me, then the list
  const ApiCall& c = api.calls[1];
  EXPECT_EQ(ApiTarget(c),
            "/v1/spends?agent=a1&limit=5&status=denied&from=2026-11-01T00%3A00%3A00Z");
  // The identity is read once per server.
  Call(server, "list_my_spends", Json::object());
  EXPECT_EQ(api.calls.size(), 3u);
}

TEST(McpServerTest, PayAndFetchPostsTheFetchAndSaysWhatWasPaid) {
  RecordingApi api;
  McpServer server(api, "t");
  api.answers = {
      {200, R"({"decision":"paid","amount":"0.01","spend_id":"sp_9","hold_id":"hd_9","status":200,)"
            R"("headers":{},"body":"ok","payment":{"settled":true}})"},
      {200, R"({"decision":"free","status":404,"headers":{},"body":""})"},
      {402, R"({"error":{"code":"x402_over_max_amount","message":"every payable option costs more )"
            R"(than max_amount"}})"}};
  Json r =
      Call(server, "pay_and_fetch",
           {{"url", "https://data.example/r"}, {"max_amount", "0.05"}, {"idempotency_key", "k1"}});
  EXPECT_EQ(r["isError"], false);
  EXPECT_EQ(r["content"][0]["text"],
            "paid 0.01 for https://data.example/r (spend sp_9); it answered 200");
  EXPECT_EQ(r["structuredContent"]["payment"]["settled"], true);
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].method, "POST");
  EXPECT_EQ(api.calls[0].path, "/v1/x402/fetch");
  EXPECT_EQ(
      Json::parse(api.calls[0].body),
      Json({{"url", "https://data.example/r"}, {"max_amount", "0.05"}, {"idempotency_key", "k1"}}));

  r = Call(server, "pay_and_fetch", {{"url", "https://data.example/missing"}});
  EXPECT_EQ(r["isError"], false);
  EXPECT_EQ(r["content"][0]["text"], "https://data.example/missing answered 404; nothing was paid");
  EXPECT_EQ(Json::parse(api.calls[1].body)["idempotency_key"].get<std::string>().rfind("mcp-", 0),
            0u);

  r = Call(server, "pay_and_fetch",
           {{"url", "https://data.example/dear"}, {"max_amount", "0.001"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "x402_over_max_amount");

  r = Call(server, "pay_and_fetch", {{"max_amount", "1"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "invalid_request");
  EXPECT_EQ(api.calls.size(), 3u);
}

TEST(McpServerTest, PayAndCallToolPostsTheCallAndSaysWhatWasPaid) {
  RecordingApi api;
  McpServer server(api, "t");
  api.answers = {
      {200, R"({"decision":"paid","amount":"0.01","spend_id":"sp_7","hold_id":"hd_7",)"
            R"("result":{"content":[]},"payment":{"transport":"mcp"}})"},
      {200, R"({"decision":"free","result":{"isError":true,"content":[]}})"},
      {200,
       R"({"decision":"not_paid","hold_id":"hd_8","amount":"0.01","result":{"isError":true}})"},
      {200, R"({"decision":"free","mcp_error":{"code":-32602,"message":"Unknown tool"}})"},
      {402, R"({"error":{"code":"budget_exceeded","message":"the agent's monthly limit"}})"}};
  const std::string url = "https://tools.example/mcp";
  Json r = Call(server, "pay_and_call_tool",
                {{"url", url},
                 {"tool", "report"},
                 {"arguments", {{"ticker", "ACME"}}},
                 {"idempotency_key", "k7"}});
  EXPECT_EQ(r["isError"], false);
  EXPECT_EQ(r["content"][0]["text"],
            "paid 0.01 for tool report at " + url + " (spend sp_7); it answered");
  EXPECT_EQ(r["structuredContent"]["payment"]["transport"], "mcp");
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].path, "/v1/x402/mcp/call");
  EXPECT_EQ(Json::parse(api.calls[0].body), Json({{"url", url},
                                                  {"tool", "report"},
                                                  {"arguments", {{"ticker", "ACME"}}},
                                                  {"idempotency_key", "k7"}}));

  r = Call(server, "pay_and_call_tool", {{"url", url}, {"tool", "fails"}});
  EXPECT_EQ(r["content"][0]["text"],
            "tool fails at " + url + " reported an error; nothing was paid");
  r = Call(server, "pay_and_call_tool", {{"url", url}, {"tool", "report"}});
  EXPECT_EQ(r["content"][0]["text"], "tool report at " + url +
                                         " refused the payment (nothing was spent); it reported "
                                         "an error");
  r = Call(server, "pay_and_call_tool", {{"url", url}, {"tool", "nope"}});
  EXPECT_EQ(r["content"][0]["text"],
            "tool nope at " + url + " answered an MCP error; nothing was paid");
  r = Call(server, "pay_and_call_tool", {{"url", url}, {"tool", "report"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "budget_exceeded");

  // The tool is required; nothing is posted without it.
  r = Call(server, "pay_and_call_tool", {{"url", url}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "invalid_request");
  EXPECT_EQ(api.calls.size(), 5u);
}

TEST(McpServerTest, NoAnswerFromStubIsAToolError) {
  RecordingApi api;
  McpServer server(api, "t");
  Json r = Call(server, "void", {{"hold_id", "hd_1"}});
  EXPECT_EQ(r["isError"], true);
  EXPECT_EQ(r["structuredContent"]["reason"], "unavailable");
  EXPECT_EQ(r["content"][0]["text"], "unavailable: connection refused");
}

TEST(McpServerTest, NotificationsAndResponsesGetNoAnswer) {
  RecordingApi api;
  McpServer server(api, "t");
  EXPECT_FALSE(server.HandleText(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_FALSE(server.HandleText(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
  auto a = server.HandleText(R"({"jsonrpc":"2.0","id":2,"method":"nope"})");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ((*a)["error"]["code"], kRpcMethodNotFound);
  a = server.HandleText(R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":[]})");
  EXPECT_EQ((*a)["error"]["code"], kRpcInvalidParams);
  EXPECT_TRUE(api.calls.empty());
}

}  // namespace
}  // namespace stub::mcp
