#include "x402/mcp_transport.h"

#include <gtest/gtest.h>

#include <string>

namespace stub::x402 {
namespace {

using nlohmann::json;

json Option() {
  return {{"scheme", "exact"},
          {"network", "eip155:84532"},
          {"amount", "10000"},
          {"asset", "0x036CbD53842c5426634e7929541eC2318f3dCF7e"},
          {"payTo", "0x209693Bc6afc0C5328bA36FaF03C514EF312287C"},
          {"maxTimeoutSeconds", 60},
          {"extra", {{"name", "USDC"}, {"version", "2"}}}};
}

json Required() {
  return {{"x402Version", 2},
          {"error", "Payment required to access this resource"},
          {"resource", {{"url", "mcp://tool/financial_analysis"}, {"description", "Analysis"}}},
          {"accepts", json::array({Option()})}};
}

json Wrapped(const json& data) {
  return {{"x402/error", {{"code", 402}, {"message", "Payment required"}, {"data", data}}}};
}

json TextItem(const std::string& text) { return {{"type", "text"}, {"text", text}}; }

// Expects `found` to hold the spec's example requirement.
void ExpectExample(const std::optional<Result<PaymentRequired>>& found) {
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->ok()) << found->status().message();
  const PaymentRequired& pr = **found;
  EXPECT_EQ(pr.version, 2);
  ASSERT_EQ(pr.accepts.size(), 1u);
  EXPECT_TRUE(pr.accepts[0].usable);
  EXPECT_EQ(pr.accepts[0].amount, 10000u);
  EXPECT_EQ(pr.accepts[0].resource, "mcp://tool/financial_analysis");
  EXPECT_EQ(pr.accepts[0].description, "Analysis");
}

TEST(McpTransportTest, FindsTheRequirementWhereverTheSpecAllowsIt) {
  // structuredContent itself, with the wrapper in the text (the spec's form).
  ExpectExample(PaymentRequiredInToolResult(
      {{"isError", true},
       {"structuredContent", Required()},
       {"content", json::array({TextItem(Wrapped(Required()).dump())})}}));
  // structuredContent["x402/error"].data.
  ExpectExample(PaymentRequiredInToolResult(
      {{"isError", true}, {"structuredContent", Wrapped(Required())}, {"content", json::array()}}));
  // Only the text: wrapped, or the document itself.
  ExpectExample(PaymentRequiredInToolResult(
      {{"isError", true}, {"content", json::array({TextItem(Wrapped(Required()).dump())})}}));
  ExpectExample(PaymentRequiredInToolResult(
      {{"isError", true}, {"content", json::array({TextItem(Required().dump())})}}));
  // structuredContent of the tool's own, the requirement in the text.
  ExpectExample(PaymentRequiredInToolResult(
      {{"isError", true},
       {"structuredContent", {{"detail", "pay first"}}},
       {"content", json::array({TextItem(Wrapped(Required()).dump())})}}));
  // The older transport: a JSON-RPC error 402 carrying it (bare or wrapped).
  ExpectExample(PaymentRequiredInRpcError(
      {{"code", 402}, {"message", "Payment required"}, {"data", Required()}}));
  ExpectExample(PaymentRequiredInRpcError({{"code", 402}, {"data", Wrapped(Required())}}));
}

TEST(McpTransportTest, AResultThatAsksNothingIsFree) {
  // Not an error: whatever it holds, nothing is asked.
  EXPECT_FALSE(PaymentRequiredInToolResult({{"structuredContent", Required()}}).has_value());
  EXPECT_FALSE(PaymentRequiredInToolResult(
                   {{"isError", false}, {"content", json::array({TextItem(Required().dump())})}})
                   .has_value());
  // The tool's own error.
  EXPECT_FALSE(PaymentRequiredInToolResult(
                   {{"isError", true}, {"content", json::array({TextItem("disk full")})}})
                   .has_value());
  EXPECT_FALSE(PaymentRequiredInToolResult(
                   {{"isError", true}, {"content", json::array({TextItem("{\"x402\": 1}")})}})
                   .has_value());
  EXPECT_FALSE(PaymentRequiredInToolResult({{"isError", true}}).has_value());
  EXPECT_FALSE(PaymentRequiredInToolResult({{"isError", "true"}}).has_value());
  EXPECT_FALSE(PaymentRequiredInToolResult(json::array()).has_value());
  EXPECT_FALSE(PaymentRequiredInToolResult(
                   {{"isError", true}, {"content", json::array({{{"type", "image"}}})}})
                   .has_value());
  // Another JSON-RPC error.
  EXPECT_FALSE(PaymentRequiredInRpcError({{"code", -32602}, {"data", Required()}}).has_value());
  EXPECT_FALSE(PaymentRequiredInRpcError({{"code", "402"}}).has_value());
}

TEST(McpTransportTest, AnUnreadableRequirementIsAnError) {
  json bad = Required();
  bad["accepts"] = "nope";
  const auto in_result =
      PaymentRequiredInToolResult({{"isError", true}, {"structuredContent", bad}});
  ASSERT_TRUE(in_result.has_value());
  EXPECT_EQ(in_result->status().reason(), "x402_invalid_requirements");
  const auto no_data = PaymentRequiredInToolResult(
      {{"isError", true}, {"structuredContent", {{"x402/error", {{"code", 402}}}}}});
  ASSERT_TRUE(no_data.has_value());
  EXPECT_EQ(no_data->status().reason(), "x402_invalid_requirements");
  const auto rpc = PaymentRequiredInRpcError({{"code", 402}, {"message", "pay"}});
  ASSERT_TRUE(rpc.has_value());
  EXPECT_EQ(rpc->status().reason(), "x402_invalid_requirements");
  const auto rpc_bad = PaymentRequiredInRpcError({{"code", 402}, {"data", {{"x", 1}}}});
  ASSERT_TRUE(rpc_bad.has_value());
  EXPECT_EQ(rpc_bad->status().reason(), "x402_invalid_requirements");
}

TEST(McpTransportTest, ReadsTheSettlementOfAPaidCall) {
  const json settled = {{"success", true},
                        {"transaction", "0x1234"},
                        {"network", "eip155:84532"},
                        {"payer", "0x857b06519E91e3A54538791bDbb0E22373e36b66"}};
  auto s = SettlementInToolResult(
      {{"content", json::array({TextItem("ok")})}, {"_meta", {{kMcpSettlementMetaKey, settled}}}});
  ASSERT_TRUE(s.has_value() && s->ok());
  EXPECT_TRUE((*s)->success);
  EXPECT_EQ((*s)->transaction, "0x1234");
  // A failed settlement rides in structuredContent beside the requirement.
  json failed = Required();
  failed[kMcpSettlementMetaKey] = {{"success", false}, {"errorReason", "insufficient_funds"}};
  auto f = SettlementInToolResult({{"isError", true}, {"structuredContent", failed}});
  ASSERT_TRUE(f.has_value() && f->ok());
  EXPECT_FALSE((*f)->success);
  EXPECT_EQ((*f)->error_reason, "insufficient_funds");
  EXPECT_FALSE(SettlementInToolResult({{"content", json::array()}}).has_value());
  auto unreadable = SettlementInToolResult({{"_meta", {{kMcpSettlementMetaKey, "yes"}}}});
  ASSERT_TRUE(unreadable.has_value());
  EXPECT_EQ(unreadable->status().reason(), "x402_invalid_settlement");
  // Bounded as the header is: what it says goes into a receipt.
  auto huge = SettlementInToolResult(
      {{"_meta",
        {{kMcpSettlementMetaKey,
          {{"success", true}, {"transaction", std::string(kMaxSettlementBytes, 'f')}}}}}});
  ASSERT_TRUE(huge.has_value());
  EXPECT_EQ(huge->status().reason(), "x402_invalid_settlement");
}

TEST(McpTransportTest, ARequirementIsBoundedAsInAnHttpAnswer) {
  // A tool result is parsed within the MCP answer's wide bounds; the
  // requirement in it gets the HTTP answer's narrow ones.
  json long_error = Required();
  long_error["error"] = std::string(9 * 1024, 'e');
  auto found = PaymentRequiredInToolResult({{"isError", true}, {"structuredContent", long_error}});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status().reason(), "x402_invalid_requirements");
  json many = Required();
  for (int i = 0; i < 600; ++i)
    many["accepts"][0]["extra"]["k" + std::to_string(i)] = std::string(100, 'x');
  found = PaymentRequiredInToolResult({{"isError", true}, {"structuredContent", many}});
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status().reason(), "x402_invalid_requirements");
}

}  // namespace
}  // namespace stub::x402
