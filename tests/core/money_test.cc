#include "core/money.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core_test_values.h"

namespace stub {
namespace {

using core_testing::kMax;
using core_testing::kMin;

Micros ParseOk(std::string_view text) {
  Result<Micros> r = ParseAmount(text);
  EXPECT_TRUE(r.ok()) << "\"" << text << "\": " << r.status().ToString();
  return r.ok() ? *r : -1;
}

void ExpectInvalid(std::string_view text) {
  Result<Micros> r = ParseAmount(text);
  ASSERT_FALSE(r.ok()) << "\"" << text << "\" parsed as " << *r;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(r.status().reason(), "invalid_amount") << text;
  EXPECT_FALSE(r.status().message().empty());
  Result<Micros> positive = ParsePositiveAmount(text);
  ASSERT_FALSE(positive.ok()) << text;
  EXPECT_EQ(positive.status().reason(), "invalid_amount") << text;
}

TEST(ParseAmountTest, AcceptsCanonicalAndPaddedDecimals) {
  EXPECT_EQ(ParseOk("0"), 0);
  EXPECT_EQ(ParseOk("1"), 1'000'000);
  EXPECT_EQ(ParseOk("12"), 12'000'000);
  EXPECT_EQ(ParseOk("0.25"), 250'000);
  EXPECT_EQ(ParseOk("0.000001"), 1);
  EXPECT_EQ(ParseOk("0.5"), 500'000);
  EXPECT_EQ(ParseOk("1.0"), 1'000'000);
  EXPECT_EQ(ParseOk("1.500000"), 1'500'000);
  EXPECT_EQ(ParseOk("0.000000"), 0);
  EXPECT_EQ(ParseOk("100.00"), 100'000'000);
  EXPECT_EQ(ParseOk("10"), 10'000'000);
  EXPECT_EQ(ParseOk("123456.654321"), 123'456'654'321);
}

TEST(ParseAmountTest, Boundaries) {
  EXPECT_EQ(ParseOk("9223372036854.775807"), kMax);
  EXPECT_EQ(ParseOk("9223372036854.775806"), kMax - 1);
  EXPECT_EQ(ParseOk("9223372036854"), 9'223'372'036'854'000'000);
  ExpectInvalid("9223372036854.775808");
  ExpectInvalid("9223372036854.8");
  ExpectInvalid("9223372036855");
  ExpectInvalid("99999999999999999999");
  ExpectInvalid("99999999999999999999999999999999999999999999.5");
  ExpectInvalid("18446744073709551616");  // 2^64: must not wrap to 0
  ExpectInvalid("18446744073709.551616");
}

TEST(ParseAmountTest, RejectsMalformed) {
  for (const char* bad :
       {"",      " 1",  "1 ",    " ",    "+1",  "-1",  "-0",   "1e3",       "1E3",       "1e-3",
        ".5",    "1.",  ".",     "01",   "00",  "007", "00.5", "1.0000001", "0.0000001", "1..2",
        "1.2.3", "1,5", "1_000", "0x10", "abc", "1a",  "NaN",  "inf",       "\t1",       "1\n"}) {
    SCOPED_TRACE(bad);
    ExpectInvalid(bad);
  }
  ExpectInvalid(std::string_view("1\0", 2));
  ExpectInvalid(std::string_view("\0", 1));
}

TEST(ParseAmountTest, RejectsNonAsciiDigits) {
  ExpectInvalid("\xd9\xa1");        // ARABIC-INDIC DIGIT ONE
  ExpectInvalid("\xef\xbc\x91");    // FULLWIDTH DIGIT ONE
  ExpectInvalid("1\xef\xbc\x90");   // "1" + FULLWIDTH DIGIT ZERO
  ExpectInvalid("\xe0\xa5\xa7.5");  // DEVANAGARI DIGIT ONE
  ExpectInvalid(
      "1\xc2\xb7"
      "5");               // MIDDLE DOT as a decimal point
  ExpectInvalid("\xff");  // not UTF-8 at all
}

TEST(ParseAmountTest, OverPreciseReportsTheReason) {
  Result<Micros> r = ParseAmount("1.0000001");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "amount has more than 6 fractional digits");
}

TEST(ParsePositiveAmountTest, RefusesZeroOnly) {
  for (const char* zero : {"0", "0.0", "0.000000"}) {
    Result<Micros> r = ParsePositiveAmount(zero);
    ASSERT_FALSE(r.ok()) << zero;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "invalid_amount");
  }
  Result<Micros> one = ParsePositiveAmount("0.000001");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1);
  Result<Micros> max = ParsePositiveAmount("9223372036854.775807");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(*max, kMax);
}

TEST(FormatAmountTest, CanonicalForm) {
  EXPECT_EQ(FormatAmount(0), "0");
  EXPECT_EQ(FormatAmount(250'000), "0.25");
  EXPECT_EQ(FormatAmount(12'000'000), "12");
  EXPECT_EQ(FormatAmount(1), "0.000001");
  EXPECT_EQ(FormatAmount(-1), "-0.000001");
  EXPECT_EQ(FormatAmount(10), "0.00001");
  EXPECT_EQ(FormatAmount(100'000), "0.1");
  EXPECT_EQ(FormatAmount(1'000'001), "1.000001");
  EXPECT_EQ(FormatAmount(1'010'000), "1.01");
  EXPECT_EQ(FormatAmount(-12'340'000), "-12.34");
  EXPECT_EQ(FormatAmount(-12'000'000), "-12");
  EXPECT_EQ(FormatAmount(99'900'000), "99.9");
  EXPECT_EQ(FormatAmount(kMax), "9223372036854.775807");
  EXPECT_EQ(FormatAmount(kMin + 1), "-9223372036854.775807");
  EXPECT_EQ(FormatAmount(kMin), "-9223372036854.775808");
}

TEST(FormatAmountTest, RoundTripsThroughParse) {
  std::vector<Micros> values = {0,
                                1,
                                9,
                                10,
                                99,
                                100,
                                999'999,
                                1'000'000,
                                1'000'001,
                                1'234'567,
                                250'000,
                                12'000'000,
                                kMax,
                                kMax - 1,
                                kMax / 10,
                                kMax / 7,
                                1LL << 53,
                                (1LL << 53) + 1,
                                1'000'000'000'000};
  // A deterministic spread of values over the whole positive range.
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    values.push_back(static_cast<Micros>(x >> (1 + i % 63)));
  }
  for (Micros v : values) {
    const std::string text = FormatAmount(v);
    Result<Micros> back = ParseAmount(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, v) << text;
    // The canonical form is a fixed point.
    EXPECT_EQ(FormatAmount(*back), text);
  }
}

TEST(FormatAmountTest, NegativesMirrorPositives) {
  for (Micros v : {Micros{1}, Micros{250'000}, Micros{12'000'000}, Micros{1'000'001}, kMax}) {
    EXPECT_EQ(FormatAmount(-v), "-" + FormatAmount(v));
  }
}

TEST(CheckedArithmeticTest, InRange) {
  EXPECT_EQ(*CheckedAdd(1, 2), 3);
  EXPECT_EQ(*CheckedAdd(kMax - 1, 1), kMax);
  EXPECT_EQ(*CheckedAdd(kMin, kMax), -1);
  EXPECT_EQ(*CheckedSub(5, 7), -2);
  EXPECT_EQ(*CheckedSub(0, kMax), -kMax);
  EXPECT_EQ(*CheckedSub(kMin + 1, 1), kMin);
  EXPECT_EQ(*CheckedMul(250'000, 4), 1'000'000);
  EXPECT_EQ(*CheckedMul(-3, 3), -9);
  EXPECT_EQ(*CheckedMul(kMax, 1), kMax);
  EXPECT_EQ(*CheckedMul(kMax, -1), -kMax);
  EXPECT_EQ(*CheckedMul(kMin, 1), kMin);
  EXPECT_EQ(*CheckedMul(0, kMax), 0);
}

TEST(CheckedArithmeticTest, OverflowIsAnError) {
  const Result<Micros> results[] = {
      CheckedAdd(kMax, 1),    CheckedAdd(kMin, -1),
      CheckedAdd(kMax, kMax), CheckedSub(kMin, 1),
      CheckedSub(0, kMin),    CheckedSub(kMax, -1),
      CheckedMul(kMax, 2),    CheckedMul(kMin, -1),
      CheckedMul(kMin, 2),    CheckedMul(1LL << 32, 1LL << 31),
  };
  for (const Result<Micros>& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange);
    EXPECT_EQ(r.status().reason(), "amount_overflow");
  }
}

}  // namespace
}  // namespace stub
