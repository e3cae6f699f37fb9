#include "core/json_input.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

void ExpectRefused(std::string_view text, std::string_view reason,
                   const JsonLimits& limits = JsonLimits{}) {
  Result<nlohmann::json> r = ParseBoundedJson(text, limits);
  ASSERT_FALSE(r.ok()) << text.substr(0, 80);
  EXPECT_EQ(r.status().reason(), reason) << r.status().ToString();
}

TEST(JsonInputTest, ParsesWhatNlohmannParses) {
  const std::string doc =
      R"({"a":[1,-2,3.5,"x",true,false,null,{}],"b":{"c":18446744073709551615},"d":""})";
  Result<nlohmann::json> r = ParseBoundedJson(doc);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, nlohmann::json::parse(doc));
  EXPECT_EQ(r->dump(), nlohmann::json::parse(doc).dump());
  ASSERT_TRUE(ParseBoundedJson("[]").ok());
  ASSERT_TRUE(ParseBoundedJson(" 7 ").ok());
  EXPECT_EQ(*ParseBoundedJson("\"s\""), "s");
}

TEST(JsonInputTest, DepthIsBoundedDuringTheParse) {
  const std::size_t d = kMaxJsonDepth;
  EXPECT_TRUE(ParseBoundedJson(std::string(d, '[') + std::string(d, ']')).ok());
  ExpectRefused(std::string(d + 1, '[') + std::string(d + 1, ']'), "invalid_json");
  // 100,000 deep: refused at depth 65, with no recursion anywhere.
  ExpectRefused(std::string(100'000, '[') + std::string(100'000, ']'), "invalid_json");
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  ExpectRefused(objects, "invalid_json");
}

TEST(JsonInputTest, DuplicateKeysAreRefused) {
  ExpectRefused(R"({"amount":"1","amount":"9.5"})", "invalid_json");
  ExpectRefused(R"({"r":{"x":1,"y":2,"x":1}})", "invalid_json");
  ExpectRefused(R"([{"k":1},{"k":1,"k":2}])", "invalid_json");
  // An escaped spelling of the same key is the same key.
  ExpectRefused(R"({"a":1,"\u0061":2})", "invalid_json");
  EXPECT_TRUE(ParseBoundedJson(R"([{"k":1},{"k":2}])").ok());
}

TEST(JsonInputTest, NulInAnyStringIsRefused) {
  ExpectRefused(R"({"vendor":"a\u0000b"})", "invalid_request");
  ExpectRefused(R"({"k\u0000":1})", "invalid_request");
  ExpectRefused(R"({"r":{"deep":["\u0000"]}})", "invalid_request");
  Result<nlohmann::json> r = ParseBoundedJson(R"({"vendor":"a\u0000b"})");
  EXPECT_NE(r.status().message().find("'vendor'"), std::string::npos) << r.status().message();
  EXPECT_TRUE(ParseBoundedJson(R"({"k":"a\u0000b"})", {.allow_nul = true}).ok());
}

TEST(JsonInputTest, SizesAreBounded) {
  const std::string at_cap = "\"" + std::string(kMaxJsonStringBytes, 'x') + "\"";
  EXPECT_TRUE(ParseBoundedJson(at_cap).ok());
  ExpectRefused("\"" + std::string(kMaxJsonStringBytes + 1, 'x') + "\"", "invalid_request");
  ExpectRefused("{\"" + std::string(kMaxJsonStringBytes + 1, 'k') + "\":1}", "invalid_request");
  ExpectRefused(std::string(kMaxJsonBytes + 1, ' '), "payload_too_large");
  ExpectRefused("[1,2,3]", "payload_too_large", {.max_bytes = 6});
}

TEST(JsonInputTest, MalformedInputIsInvalidJson) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{'a':1}", "\"\xff\"", "1e999", "[1] [2]",
                          "{\"a\":1}/*c*/", "nul"}) {
    ExpectRefused(bad, "invalid_json");
  }
}

}  // namespace
}  // namespace stub
