// engine/ids.h: the shape, order and uniqueness of ids.
#include "engine/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "core/time_ordered_id.h"

namespace stub {
namespace {

TEST(Ids, RandomIdIsPrefixAnd24HexDigits) {
  EXPECT_TRUE(std::regex_match(NewId("key"), std::regex("key_[0-9a-f]{24}")));
}

TEST(Ids, TimeOrderedIdCarriesTheMillisecondThenRandomBits) {
  const std::string id = NewTimeOrderedId("sp", 1795860000123456);
  ASSERT_TRUE(std::regex_match(id, std::regex("sp_01a22198ed7b[0-9a-f]{16}"))) << id;
  EXPECT_EQ(TimeOrderedSpendIdStart(id), 1795860000123000);
}

TEST(Ids, TimeOrderedIdsSortByTimeAcrossMilliseconds) {
  std::string previous = NewTimeOrderedId("sp", 0);
  for (Timestamp t = 1000; t < 2000000; t += 1000) {
    const std::string next = NewTimeOrderedId("sp", t);
    ASSERT_LT(previous, next) << "at " << t;
    previous = next;
  }
}

TEST(Ids, TimeOrderedIdsWithinOneMillisecondAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(NewTimeOrderedId("dn", 1795860000123456));
  EXPECT_EQ(seen.size(), 10000u);
}

}  // namespace
}  // namespace stub
