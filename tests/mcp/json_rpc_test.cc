// JSON-RPC 2.0 parsing for MCP (mcp/json_rpc.h): each kind of message, and
// the exact error code of each malformed one, bounds included.
#include "mcp/json_rpc.h"

#include <gtest/gtest.h>

#include <string>

namespace stub::mcp {
namespace {

int ErrorCode(const std::string& text) {
  const ParsedRpc p = ParseRpcMessage(text);
  EXPECT_FALSE(p.message.has_value()) << text;
  return p.message ? 0 : p.error.code;
}

TEST(JsonRpcTest, ReadsRequestsNotificationsAndResponses) {
  ParsedRpc p = ParseRpcMessage(
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_budget"}})");
  ASSERT_TRUE(p.message.has_value());
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kRequest);
  EXPECT_EQ(p.message->id, 7);
  EXPECT_EQ(p.message->method, "tools/call");
  EXPECT_EQ(p.message->params, Json({{"name", "get_budget"}}));

  p = ParseRpcMessage(R"({"jsonrpc":"2.0","id":"a-1","method":"ping"})");
  ASSERT_TRUE(p.message.has_value());
  EXPECT_EQ(p.message->id, "a-1");
  EXPECT_EQ(p.message->params, Json::object());

  p = ParseRpcMessage(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  ASSERT_TRUE(p.message.has_value());
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kNotification);
  EXPECT_TRUE(p.message->id.is_null());

  p = ParseRpcMessage(R"({"jsonrpc":"2.0","id":3,"result":{}})");
  ASSERT_TRUE(p.message.has_value());
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kResponse);
  p = ParseRpcMessage(R"({"jsonrpc":"2.0","id":3,"error":{"code":-1,"message":"x"}})");
  ASSERT_TRUE(p.message.has_value());
  EXPECT_EQ(p.message->kind, RpcMessage::Kind::kResponse);
}

TEST(JsonRpcTest, MalformedJsonIsAParseError) {
  EXPECT_EQ(ErrorCode(""), kRpcParseError);
  EXPECT_EQ(ErrorCode("{"), kRpcParseError);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":1,"method":"ping",})"), kRpcParseError);
  EXPECT_EQ(ErrorCode("{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}"), kRpcParseError);
  // A duplicate key is refused, not read as either value.
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})"), kRpcParseError);
}

TEST(JsonRpcTest, DeepNestingIsRefusedWithoutWalkingIt) {
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)";
  for (int i = 0; i < 100'000; ++i) deep += "[";
  EXPECT_EQ(ErrorCode(deep), kRpcParseError);
  // Within the bound is fine.
  std::string ok = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)";
  for (int i = 0; i < 20; ++i) ok += "[";
  for (int i = 0; i < 20; ++i) ok += "]";
  ok += "}}";
  EXPECT_TRUE(ParseRpcMessage(ok).message.has_value());
}

TEST(JsonRpcTest, AHugeMessageIsAnInvalidRequest) {
  const std::string huge = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":")" +
                           std::string(kMaxRpcMessageBytes, 'x') + "\"}}";
  EXPECT_EQ(ErrorCode(huge), kRpcInvalidRequest);
}

TEST(JsonRpcTest, MessagesThatAreNotJsonRpcAreInvalidRequests) {
  EXPECT_EQ(ErrorCode(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode("42"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"id":1,"method":"ping"})"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"1.0","id":1,"method":"ping"})"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":{},"method":"ping"})"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":1,"method":5})"), kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":"x"})"),
            kRpcInvalidRequest);
  EXPECT_EQ(ErrorCode(R"({"jsonrpc":"2.0","id":1})"), kRpcInvalidRequest);
  // The request's id is kept for the error answer when it could be read.
  const ParsedRpc p = ParseRpcMessage(R"({"jsonrpc":"2.0","id":9,"method":7})");
  EXPECT_EQ(p.id, 9);
}

TEST(JsonRpcTest, AnswersAreOneLineOfJson) {
  const std::string text = RpcText(RpcResult(1, {{"a", "line\nbreak"}}));
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(Json::parse(text),
            Json::parse(R"({"jsonrpc":"2.0","id":1,"result":{"a":"line\nbreak"}})"));
  EXPECT_EQ(RpcErrorAnswer(nullptr, {kRpcMethodNotFound, "nope"}),
            Json::parse(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"nope"}})"));
}

}  // namespace
}  // namespace stub::mcp
