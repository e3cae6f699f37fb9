#include "query/query_spec.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

using Json = nlohmann::json;

TEST(QuerySpecTest, JsonRoundTripsEveryField) {
  QuerySpec spec{.measure = QueryMeasure::kAverage,
                 .status = QueryStatus::kDenied,
                 .teams = {"marketing"},
                 .agents = {"mkt-writer-1"},
                 .vendors = {"api.openai.com"},
                 .categories = {"llm"},
                 .users = {"alice@acme.com"},
                 .sessions = {"sess-0001"},
                 .intent = "weekly",
                 .from = MakeTimestamp(2026, 10, 1),
                 .to = MakeTimestamp(2026, 11, 1),
                 .group_by = QueryGroup::kReason,
                 .order_by = QueryOrderBy::kKey,
                 .direction = QueryDirection::kAsc,
                 .limit = 5};
  const Json j = QuerySpecToJson(spec);
  EXPECT_EQ(j["from"], "2026-10-01T00:00:00Z");
  EXPECT_EQ(j["group_by"], "reason");
  auto back = QuerySpecFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, spec);
}

TEST(QuerySpecTest, AbsentFieldsTakeTheDefaults) {
  auto spec = QuerySpecFromJson(Json::object());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(*spec, QuerySpec{});
}

TEST(QuerySpecTest, FromJsonIsStrict) {
  const char* bad[] = {
      R"([])",
      R"({"measure":"sum"})",
      R"({"measure":1})",
      R"({"teams":"marketing"})",
      R"({"teams":[1]})",
      R"({"teams":[""]})",
      R"({"sql":"DROP TABLE entries"})",
      R"({"from":"yesterday"})",
      R"({"from":"2026-11-02T00:00:00Z","to":"2026-11-01T00:00:00Z"})",
      R"({"limit":0})",
      R"({"limit":1001})",
      R"({"limit":2.5})",
      R"({"group_by":"reason"})",
      R"({"measure":"list","group_by":"team"})",
      R"({"intent":"a\u0001b"})",
  };
  for (const char* text : bad) {
    auto spec = QuerySpecFromJson(Json::parse(text));
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(spec.status().reason(), "invalid_request") << text;
  }
}

TEST(QuerySpecTest, ValidationBoundsListsAndText) {
  QuerySpec spec;
  spec.vendors.assign(kMaxFilterValues + 1, "a.com");
  EXPECT_EQ(ValidateQuerySpec(spec).code(), StatusCode::kInvalidArgument);
  spec = {};
  spec.users = {std::string(kMaxFilterValueBytes + 1, 'u')};
  EXPECT_EQ(ValidateQuerySpec(spec).code(), StatusCode::kInvalidArgument);
  spec = {};
  spec.intent = "\xff\xfe";
  EXPECT_EQ(ValidateQuerySpec(spec).code(), StatusCode::kInvalidArgument);
  spec = {};
  spec.intent = "caf\xc3\xa9 'x'; DROP TABLE entries; --";
  EXPECT_TRUE(ValidateQuerySpec(spec).ok());
}

TEST(QuerySpecTest, SchemaNamesEveryFieldAndForbidsOthers) {
  const Json schema = QuerySpecJsonSchema();
  EXPECT_EQ(schema["additionalProperties"], false);
  const Json full = QuerySpecToJson(QuerySpec{.from = 1, .to = 2, .limit = 3});
  for (const auto& [key, value] : full.items()) {
    EXPECT_TRUE(schema["properties"].contains(key)) << key;
  }
  EXPECT_EQ(schema["properties"].size(), full.size());
  EXPECT_EQ(schema["properties"]["group_by"]["enum"].size(), 10u);
}

}  // namespace
}  // namespace stub
