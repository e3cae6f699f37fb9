#include "core/canonical_json.h"

#include <gtest/gtest.h>

#include <string>

#include "core/json_input.h"

namespace stub {
namespace {

std::string Canon(std::string_view text) {
  Result<std::string> r = CanonicalizeJson(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

void ExpectInvalidJson(std::string_view text) {
  Result<std::string> r = CanonicalizeJson(text);
  ASSERT_FALSE(r.ok()) << "\"" << text << "\" → " << *r;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().reason(), "invalid_json");
}

TEST(CanonicalJsonTest, KeyOrderAndWhitespaceDoNotMatter) {
  const std::string a = Canon(R"({"b":1,"a":{"d":2,"c":3}})");
  const std::string b = Canon(" { \"a\" : {\"c\":3,\n\t\"d\":2}, \"b\":1 } \r\n");
  EXPECT_EQ(a, R"({"a":{"c":3,"d":2},"b":1})");
  EXPECT_EQ(a, b);
}

TEST(CanonicalJsonTest, KeysSortByUtf8Bytes) {
  EXPECT_EQ(Canon(R"({"b":0,"B":0,"a":0,"":0,"aa":0,"é":0,"z":0,"_":0,"1":0})"),
            R"({"":0,"1":0,"B":0,"_":0,"a":0,"aa":0,"b":0,"z":0,"é":0})");
  // U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80) by bytes (UTF-16
  // order would put the emoji first).
  EXPECT_EQ(Canon("{\"\xF0\x9F\x98\x80\":1,\"\xEF\xBD\x9E\":2}"),
            "{\"\xEF\xBD\x9E\":2,\"\xF0\x9F\x98\x80\":1}");
}

TEST(CanonicalJsonTest, Scalars) {
  EXPECT_EQ(Canon("null"), "null");
  EXPECT_EQ(Canon("true"), "true");
  EXPECT_EQ(Canon(" false "), "false");
  EXPECT_EQ(Canon(R"("x")"), R"("x")");
  EXPECT_EQ(Canon("[]"), "[]");
  EXPECT_EQ(Canon("{}"), "{}");
  EXPECT_EQ(Canon("[ 1 , [ ] , { } , \"a\" , null ]"), R"([1,[],{},"a",null])");
  EXPECT_EQ(Canon("[[[1],[2,3]],{\"a\":[{}]}]"), R"([[[1],[2,3]],{"a":[{}]}])");
}

TEST(CanonicalJsonTest, IntegersStayExact) {
  EXPECT_EQ(Canon("0"), "0");
  EXPECT_EQ(Canon("-0"), "0");
  EXPECT_EQ(Canon("42"), "42");
  EXPECT_EQ(Canon("-42"), "-42");
  EXPECT_EQ(Canon("9007199254740993"), "9007199254740993");  // 2^53 + 1, not a double
  EXPECT_EQ(Canon("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Canon("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Canon("18446744073709551615"), "18446744073709551615");
  // Beyond 64 bits an integer literal keeps its digits (e.g. wei amounts).
  EXPECT_EQ(Canon("18446744073709551616"), "18446744073709551616");
  EXPECT_EQ(Canon("-9223372036854775809"), "-9223372036854775809");
  EXPECT_EQ(Canon("[123456789012345678901234567890]"), "[123456789012345678901234567890]");
}

TEST(CanonicalJsonTest, OtherNumbersAreShortestRoundTripDoubles) {
  // A fraction or an exponent makes a number a double, written as RFC 8785
  // (ECMAScript) does: so 1.0 and 1 are the same canonical number, and 1e2
  // becomes 100.
  EXPECT_EQ(Canon("1.0"), "1");
  EXPECT_EQ(Canon("1.50"), "1.5");
  EXPECT_EQ(Canon("1e2"), "100");
  EXPECT_EQ(Canon("1E2"), "100");
  EXPECT_EQ(Canon("1e+2"), "100");
  EXPECT_EQ(Canon("-0.0"), "0");
  EXPECT_EQ(Canon("0.1"), "0.1");
  EXPECT_EQ(Canon("0.25"), "0.25");
  EXPECT_EQ(Canon("-2.5e-3"), "-0.0025");
  EXPECT_EQ(Canon("0.000001"), "0.000001");
  EXPECT_EQ(Canon("1e-7"), "1e-7");
  EXPECT_EQ(Canon("1.5e-7"), "1.5e-7");
  EXPECT_EQ(Canon("123456789e-15"), "1.23456789e-7");
  EXPECT_EQ(Canon("1e20"), "100000000000000000000");
  EXPECT_EQ(Canon("1e21"), "1e+21");
  EXPECT_EQ(Canon("1.5e300"), "1.5e+300");
  EXPECT_EQ(Canon("12345.678e1"), "123456.78");
  EXPECT_EQ(Canon("0.30000000000000004"), "0.30000000000000004");
  EXPECT_EQ(Canon("0.1000000000000000055511151231257827"), "0.1");
  EXPECT_EQ(Canon("9007199254740993.0"), "9007199254740992");  // rounded: it is a double
  EXPECT_EQ(Canon("5e-324"), "5e-324");
  EXPECT_EQ(Canon("1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(Canon("1e-400"), "0");  // underflow rounds to zero, as strtod does
  EXPECT_EQ(Canon(R"({"a":1.0,"b":1})"), R"({"a":1,"b":1})");
}

TEST(CanonicalJsonTest, Strings) {
  // Escapes are decoded, then only '"', '\\' and controls are re-escaped.
  EXPECT_EQ(Canon(R"("\u0041\/\u00e9")"), "\"A/\xC3\xA9\"");
  EXPECT_EQ(Canon(R"("a\"b\\c")"), R"("a\"b\\c")");
  EXPECT_EQ(Canon(R"("\b\f\n\r\t\u0000\u001f\u007f")"), "\"\\b\\f\\n\\r\\t\\u0000\\u001f\x7f\"");
  EXPECT_EQ(Canon(R"("\ud83d\ude00")"), "\"\xF0\x9F\x98\x80\"");
  EXPECT_EQ(Canon("\"\xE2\x80\xA8\""), "\"\xE2\x80\xA8\"");  // U+2028 stays raw
  EXPECT_EQ(Canon(R"({"k\n":"v"})"), R"({"k\n":"v"})");
}

TEST(CanonicalJsonTest, DuplicateKeysAreRefused) {
  ExpectInvalidJson(R"({"a":1,"b":2,"a":3})");
  ExpectInvalidJson(R"({"a":{"x":1},"a":[2],"a":"last"})");
  ExpectInvalidJson(R"([{"n":{"x":1,"x":1}}])");
  // The same key in different objects is fine.
  EXPECT_EQ(Canon(R"({"a":{"a":1},"b":{"a":2}})"), R"({"a":{"a":1},"b":{"a":2}})");
}

TEST(CanonicalJsonTest, Idempotent) {
  for (const char* doc : {R"({"z":[1,2.5,{"y":null,"x":true}],"a":"\u00e9\n"})",
                          R"([1e-400,0.5e1,-1E-2])", R"({"n":-1.25e-10,"m":1e300})"}) {
    Result<std::string> once = CanonicalizeJson(doc);
    if (!once.ok()) continue;
    EXPECT_EQ(Canon(*once), *once) << doc;
  }
}

TEST(CanonicalJsonTest, RejectsInvalidJson) {
  for (const char* bad : {"",
                          " ",
                          "{",
                          "}",
                          "[1,]",
                          "{\"a\":1,}",
                          "{\"a\" 1}",
                          "{a:1}",
                          "{'a':1}",
                          "[1 2]",
                          "01",
                          "1.",
                          ".5",
                          "+1",
                          "-",
                          "1e",
                          "NaN",
                          "Infinity",
                          "-Infinity",
                          "nul",
                          "True",
                          "\"abc",
                          "\"a\tb\"",
                          "\"\\x41\"",
                          "\"\\u12\"",
                          "{} {}",
                          "{}x",
                          "[1]]",
                          "// c\n{}",
                          "/* c */{}",
                          "1e400",
                          "-1e400",
                          "\"\\ud800\"",
                          "\"\\udc00\\ud800\""}) {
    SCOPED_TRACE(bad);
    ExpectInvalidJson(bad);
  }
}

TEST(CanonicalJsonTest, RejectsInvalidUtf8) {
  for (const std::string& bad : {
           std::string("\"\xff\""),               // never valid
           std::string("\"\xC3\""),               // truncated sequence
           std::string("\"\xC0\xAF\""),           // overlong '/'
           std::string("\"\xE0\x80\xAF\""),       // overlong
           std::string("\"\xED\xA0\x80\""),       // UTF-8 encoded surrogate
           std::string("\"\xF4\x90\x80\x80\""),   // beyond U+10FFFF
           std::string("\"\x80\""),               // lone continuation byte
           std::string("{\"k\xFE\":1}"),          // in a key
           std::string("[\"ok\",\"\xE2\x82\"]"),  // truncated, inside an array
       }) {
    SCOPED_TRACE(bad);
    ExpectInvalidJson(bad);
  }
  EXPECT_EQ(Canon("\"\xE2\x82\xAC\""), "\"\xE2\x82\xAC\"");  // '€' is fine
}

TEST(CanonicalJsonTest, ErrorMessagesNeverEchoInput) {
  Result<std::string> r = CanonicalizeJson("{\"a\":\"\xff\xfe\"}");
  ASSERT_FALSE(r.ok());
  const std::string message = r.status().message();
  EXPECT_FALSE(message.empty());
  for (char c : message) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
}

TEST(CanonicalJsonTest, ByteOrderMarkIsIgnored) {
  EXPECT_EQ(Canon("\xEF\xBB\xBF{\"a\":1}"), R"({"a":1})");
}

TEST(CanonicalJsonTest, DeepNestingIsRefused) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_EQ(Canon(ok), ok);
  ExpectInvalidJson(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'));
  ExpectInvalidJson(std::string(100'000, '['));
  std::string objects;
  for (int i = 0; i < 200; ++i) objects += "{\"a\":";
  objects += "1";
  objects += std::string(200, '}');
  ExpectInvalidJson(objects);
}

TEST(CanonicalizeReceiptTest, RequiresAnObject) {
  Result<std::string> r = CanonicalizeReceipt(R"({"tx":"0xabc","amount":"1000"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, R"({"amount":"1000","tx":"0xabc"})");
  for (const char* non_object : {"[]", "[{}]", "1", "\"{}\"", "null", "true"}) {
    Result<std::string> bad = CanonicalizeReceipt(non_object);
    ASSERT_FALSE(bad.ok()) << non_object;
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(bad.status().reason(), "invalid_request") << non_object;
  }
  Result<std::string> bad = CanonicalizeReceipt("{\"a\":");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "invalid_json");
  bad = CanonicalizeReceipt("{\"a\":\"\xff\"}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().reason(), "invalid_json");
}

TEST(CanonicalizeReceiptTest, SizeBoundIsOnTheCanonicalText) {
  // {"p":"xxx…"} of exactly kMaxReceiptBytes bytes is accepted …
  const std::string head = "{\"p\":\"";
  const std::string tail = "\"}";
  std::string at_limit =
      head + std::string(kMaxReceiptBytes - head.size() - tail.size(), 'x') + tail;
  ASSERT_EQ(at_limit.size(), kMaxReceiptBytes);
  Result<std::string> r = CanonicalizeReceipt(at_limit);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, at_limit);
  // … whitespace around it does not count …
  EXPECT_TRUE(CanonicalizeReceipt(" " + at_limit + " ").ok());
  // … one canonical byte more does.
  std::string over_limit = at_limit;
  over_limit.insert(head.size(), "x");
  Result<std::string> over = CanonicalizeReceipt(over_limit);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(over.status().reason(), "invalid_request");
  // CanonicalizeJson itself has no size bound.
  EXPECT_TRUE(CanonicalizeJson(at_limit + " ").ok());
}

TEST(AppendJsonStringTest, Escaping) {
  std::string out = "x";
  AppendJsonString(out, "plain text é");
  EXPECT_EQ(out, "x\"plain text é\"");
  out.clear();
  AppendJsonString(out, "");
  EXPECT_EQ(out, "\"\"");
  out.clear();
  AppendJsonString(out, std::string_view("q\"b\\n\nt\tz\x01\x1f\0/", 13));
  EXPECT_EQ(out, R"("q\"b\\n\nt\tz\u0001\u001f\u0000/")");
  // Matches what canonicalization produces for the same string.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all += static_cast<char>(c);
  std::string lit;
  AppendJsonString(lit, all);
  EXPECT_EQ(Canon(lit), lit);
}

}  // namespace
}  // namespace stub
