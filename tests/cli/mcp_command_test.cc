// `stub mcp` (issue 21): the real binary as an MCP server on stdio against a
// real StubServer on loopback — JSON-RPC lines in, one answer line out per
// request, tools acting as the agent key, logs on stderr without the key.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.h"
#include "server/server_fixture.h"

namespace stub {
namespace {

using nlohmann::json;
using stub::testing::RunStub;
using stub::testing::TempDir;

class McpCommandTest : public server_testing::ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    const std::string admin_key = CreateOrg("acme");
    auto admin = Client(admin_key);
    ASSERT_EQ(
        admin.Put("/v1/teams/research", {{"limits", {{{"amount", "5.00"}, {"period", "month"}}}}})
            .status,
        201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "research"}}).status, 201);
    auto k = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "a1"}});
    ASSERT_EQ(k.status, 201);
    agent_key_ = k.json()["key"];
  }

  // Runs `stub mcp <args>` with `lines` on stdin; returns the run.
  stub::testing::StubRun RunMcp(const std::vector<std::string>& lines, const std::string& args,
                                const std::string& env) {
    const auto input = dir_.path() / "in.jsonl";
    std::ofstream out(input);
    for (const std::string& line : lines) out << line << "\n";
    out.close();
    return RunStub("mcp " + args + " < " + input.string(), env);
  }

  static std::vector<json> AnswerLines(const std::string& out) {
    std::vector<json> answers;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      answers.push_back(json::parse(line, nullptr, /*allow_exceptions=*/false));
    }
    return answers;
  }

  TempDir dir_;
  std::string agent_key_;
};

TEST_F(McpCommandTest, ServesTheToolsOnStdioAsTheAgentKey) {
  const std::vector<std::string> lines = {
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})",
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})",
      "",
      R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"request_spend","arguments":{"amount":"1.20","vendor":"api.dataco.com","idempotency_key":"k1"}}})",
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"request_spend","arguments":{"amount":"4.00","vendor":"api.dataco.com","idempotency_key":"k2"}}})",
      "{garbage",
      R"({"jsonrpc":"2.0","id":"r","method":"resources/read","params":{"uri":"stub://budget"}})",
  };
  const auto run = RunMcp(lines, "--url http://127.0.0.1:" + std::to_string(port()) + "/",
                          "STUB_AGENT_KEY=" + agent_key_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<json> a = AnswerLines(run.out);
  ASSERT_EQ(a.size(), 6u) << run.out;
  EXPECT_EQ(a[0]["id"], 1);
  EXPECT_EQ(a[0]["result"]["protocolVersion"], "2025-06-18");
  EXPECT_EQ(a[0]["result"]["serverInfo"]["name"], "stub");
  EXPECT_EQ(a[1]["id"], 2);
  EXPECT_EQ(a[1]["result"]["tools"].size(), 10u);
  EXPECT_EQ(a[2]["id"], 3);
  EXPECT_EQ(a[2]["result"]["isError"], false) << a[2].dump();
  EXPECT_EQ(a[2]["result"]["structuredContent"]["amount"], "1.2");
  EXPECT_EQ(a[2]["result"]["structuredContent"]["effective_remaining"], "3.8");
  EXPECT_EQ(a[3]["id"], 4);
  EXPECT_EQ(a[3]["result"]["isError"], true);
  EXPECT_EQ(a[3]["result"]["structuredContent"]["reason"], "budget_exceeded");
  EXPECT_EQ(a[3]["result"]["structuredContent"]["node"], "research");
  EXPECT_TRUE(a[4]["id"].is_null());
  EXPECT_EQ(a[4]["error"]["code"], -32700);
  EXPECT_EQ(a[5]["id"], "r");
  const json budget =
      json::parse(a[5]["result"]["contents"][0]["text"].get<std::string>(), nullptr, false);
  EXPECT_EQ(budget["id"], "a1");
  EXPECT_EQ(budget["effective_remaining"], "3.8");
  // Logs go to stderr, never with the key.
  EXPECT_NE(run.err.find("stub mcp: serving"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find(agent_key_), std::string::npos);
}

TEST_F(McpCommandTest, TheKeyFlagWinsAndAMissingKeyIsAUsageError) {
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_budget"}})";
  auto run =
      RunMcp({init}, "--url http://localhost:" + std::to_string(port()) + " --key " + agent_key_,
             "STUB_AGENT_KEY=stub_live_wrong");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto a = AnswerLines(run.out);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["result"]["structuredContent"]["effective_remaining"], "5");
  // A wrong key: every tool answers unauthorized as a tool error.
  run = RunMcp({init}, "--url http://127.0.0.1:" + std::to_string(port()),
               "STUB_AGENT_KEY=stub_live_wrong");
  a = AnswerLines(run.out);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["result"]["isError"], true);
  EXPECT_EQ(a[0]["result"]["structuredContent"]["reason"], "unauthorized");
  run = RunMcp({init}, "--url http://127.0.0.1:" + std::to_string(port()), "-u STUB_AGENT_KEY");
  EXPECT_EQ(run.exit_code, 2) << run.err;
  run = RunMcp({init}, "--url ftp://x --key k", "");
  EXPECT_EQ(run.exit_code, 2) << run.err;
}

}  // namespace
}  // namespace stub
