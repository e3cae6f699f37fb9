#include "core/policy_json.h"

#include <gtest/gtest.h>

namespace stub {
namespace {

using Json = nlohmann::json;

TEST(PolicyJsonTest, RoundTripsTheContractShapeNormalised) {
  const Json in = Json::parse(R"({
    "max_per_spend": "5.00",
    "windows": [{"amount": "20.00", "seconds": 3600}],
    "vendors": {"allow": ["API.OpenAI.com", "*.Example.com"], "block": ["evil.example"]},
    "categories": {"allow": ["LLM", "data"], "block": ["gambling"]},
    "approval_over": "50.00",
    "velocity": {"max_spends": 100, "max_amount": "10.00", "seconds": 60}})");
  auto p = PolicyFromJson(in);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->max_per_spend, 5'000'000);
  EXPECT_EQ(p->windows, (std::vector<RollingWindow>{{20'000'000, 3600}}));
  EXPECT_EQ(p->vendors.allow, (std::vector<std::string>{"*.example.com", "api.openai.com"}));
  EXPECT_EQ(p->categories.allow, (std::vector<std::string>{"data", "llm"}));
  EXPECT_EQ(p->approval_over, 50'000'000);
  EXPECT_EQ(p->velocity, (Velocity{100, 10'000'000, 60}));
  const Json out = PolicyToJson(*p);
  EXPECT_EQ(out["max_per_spend"], "5");
  EXPECT_EQ(out["velocity"]["max_amount"], "10");
  auto again = PolicyFromJson(out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *p);
  EXPECT_EQ(PolicyToJson(Policy{}), Json::object());
  auto empty = PolicyFromJson(Json::object());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(PolicyJsonTest, RefusesBadInputWithTheRightCode) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"({"max_per_spend": 5})", "invalid_amount"},
      {R"({"max_per_spend": "0"})", "invalid_amount"},
      {R"({"max_per_spend": "-1"})", "invalid_amount"},
      {R"({"max_per_spend": "1.0000001"})", "invalid_amount"},
      {R"({"approval_over": "x"})", "invalid_amount"},
      {R"({"windows": [{"amount": "1", "seconds": 0}]})", "invalid_request"},
      {R"({"windows": [{"amount": "1"}]})", "invalid_request"},
      {R"({"windows": {"amount": "1", "seconds": 5}})", "invalid_request"},
      {R"({"vendors": {"allow": ["*"]}})", "invalid_request"},
      {R"({"vendors": {"allow": "api.openai.com"}})", "invalid_request"},
      {R"({"vendors": {"deny": []}})", "invalid_request"},
      {R"({"categories": {"block": ["Bad Category"]}})", "invalid_request"},
      {R"({"velocity": {"seconds": 60}})", "invalid_request"},
      {R"({"velocity": {"max_spends": -1, "seconds": 60}})", "invalid_request"},
      {R"({"velocity": {"max_spends": 5}})", "invalid_request"},
      {R"({"max_per_spnd": "1"})", "invalid_request"},
      {R"([])", "invalid_request"},
  };
  for (const auto& [text, reason] : cases) {
    auto p = PolicyFromJson(Json::parse(text));
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(p.status().reason(), reason) << text << ": " << p.status().message();
  }
}

}  // namespace
}  // namespace stub
