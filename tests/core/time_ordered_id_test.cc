// core/time_ordered_id.h: the format of time-ordered ids and reading a spend
// id's millisecond back.
#include "core/time_ordered_id.h"

#include <gtest/gtest.h>

namespace stub {
namespace {

constexpr std::array<unsigned char, kTimeOrderedIdRandomBytes> kRandom = {0x01, 0x23, 0x45, 0x67,
                                                                          0x89, 0xab, 0xcd, 0xef};

TEST(TimeOrderedId, IsPrefixMillisecondThenRandomHex) {
  // 2026-11-28T10:00:00.123456Z: 1795860000123 ms = 0x1a22198ed7b.
  EXPECT_EQ(FormatTimeOrderedId("sp", 1795860000123456, kRandom),
            "sp_01a22198ed7b0123456789abcdef");
  EXPECT_EQ(FormatTimeOrderedId("dn", 0, kRandom), "dn_0000000000000123456789abcdef");
}

TEST(TimeOrderedId, ASpendIdNamesTheFirstMicrosecondOfItsMillisecond) {
  const std::string id = FormatTimeOrderedId("sp", 1795860000123456, kRandom);
  ASSERT_EQ(id.size(), kTimeOrderedSpendIdLength);
  EXPECT_EQ(TimeOrderedSpendIdStart(id), 1795860000123000);
}

TEST(TimeOrderedId, AnythingElseCarriesNoTime) {
  EXPECT_EQ(TimeOrderedSpendIdStart("sp_3f9a0c1d2e3f4a5b6c7d8e9f"), std::nullopt);  // random, older
  EXPECT_EQ(TimeOrderedSpendIdStart(FormatTimeOrderedId("hd", 5000, kRandom)), std::nullopt);
  EXPECT_EQ(TimeOrderedSpendIdStart("sp_01a22198ed7b0123456789abcdeF"), std::nullopt);   // case
  EXPECT_EQ(TimeOrderedSpendIdStart("sp_01a22198ed7b0123456789abcde"), std::nullopt);    // short
  EXPECT_EQ(TimeOrderedSpendIdStart("sp_01a22198ed7b0123456789abcdeff"), std::nullopt);  // long
  EXPECT_EQ(TimeOrderedSpendIdStart("sp-01a22198ed7b0123456789abcdef"), std::nullopt);
  EXPECT_EQ(TimeOrderedSpendIdStart(""), std::nullopt);
}

}  // namespace
}  // namespace stub
