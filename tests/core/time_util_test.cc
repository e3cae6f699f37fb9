#include "core/time_util.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

TEST(MakeTimestampTest, KnownInstants) {
  EXPECT_EQ(MakeTimestamp(1970, 1, 1), 0);
  EXPECT_EQ(MakeTimestamp(1970, 1, 1, 0, 0, 1), 1'000'000);
  EXPECT_EQ(MakeTimestamp(2026, 11, 28, 10), 1'795'860'000LL * kMicrosPerSecond);
  EXPECT_EQ(MakeTimestamp(2000, 3, 1), 951'868'800LL * kMicrosPerSecond);
  EXPECT_EQ(MakeTimestamp(1969, 12, 31, 23, 59, 59), -kMicrosPerSecond);
  EXPECT_EQ(MakeTimestamp(1900, 1, 1), -2'208'988'800LL * kMicrosPerSecond);
}

TEST(Rfc3339Test, Format) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(MakeTimestamp(2026, 11, 28, 10)), "2026-11-28T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(MakeTimestamp(2026, 11, 28, 10) + 250'000),
            "2026-11-28T10:00:00.250000Z");
  EXPECT_EQ(FormatRfc3339(MakeTimestamp(2024, 2, 29, 23, 59, 59) + 999'999),
            "2024-02-29T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(1), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(MakeTimestamp(1, 1, 1)), "0001-01-01T00:00:00Z");
}

TEST(Rfc3339Test, FormatIsTotal) {
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<Timestamp>::max()), "294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<Timestamp>::min()), "-290308-12-21T19:59:05.224192Z");
}

TEST(Rfc3339Test, Parse) {
  const Timestamp base = MakeTimestamp(2026, 11, 28, 10);
  struct Case {
    const char* text;
    Timestamp want;
  };
  for (const Case& c : {
           Case{"2026-11-28T10:00:00Z", base},
           Case{"2026-11-28t10:00:00z", base},
           Case{"2026-11-28T10:00:00.5Z", base + 500'000},
           Case{"2026-11-28T10:00:00.000001Z", base + 1},
           Case{"2026-11-28T10:00:00.123456Z", base + 123'456},
           Case{"2026-11-28T11:30:00+01:30", base},
           Case{"2026-11-28T05:00:00-05:00", base},
           Case{"2026-11-28T10:00:00+00:00", base},
           Case{"2026-11-28T10:00:00-00:00", base},
           Case{"2026-11-29T09:59:00+23:59", base},
           Case{"1969-12-31T23:59:59.999999Z", -1},
           Case{"2024-02-29T00:00:00Z", MakeTimestamp(2024, 2, 29)},
           Case{"2000-02-29T00:00:00Z", MakeTimestamp(2000, 2, 29)},
           Case{"0000-01-01T00:00:00Z", MakeTimestamp(0, 1, 1)},
           Case{"9999-12-31T23:59:59Z", MakeTimestamp(9999, 12, 31, 23, 59, 59)},
       }) {
    Result<Timestamp> r = ParseRfc3339(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.status().ToString();
    EXPECT_EQ(*r, c.want) << c.text;
  }
}

TEST(Rfc3339Test, RoundTrip) {
  for (Timestamp t : {Timestamp{0}, Timestamp{1}, Timestamp{-1}, MakeTimestamp(2026, 11, 28, 10),
                      MakeTimestamp(2026, 11, 28, 10) + 123'456, MakeTimestamp(2024, 2, 29, 12),
                      MakeTimestamp(1900, 3, 1, 1, 2, 3) + 7,
                      MakeTimestamp(9999, 12, 31, 23, 59, 59) + 999'999, MakeTimestamp(0, 1, 1)}) {
    const std::string text = FormatRfc3339(t);
    Result<Timestamp> back = ParseRfc3339(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(*back, t) << text;
  }
}

TEST(Rfc3339Test, Rejects) {
  for (const char* bad : {
           "",
           "2026-11-28",
           "2026-11-28T10:00:00",           // no offset
           "2026-11-28 10:00:00Z",          // space separator
           "2026-11-28T10:00Z",             // no seconds
           "2026-11-28T10:00:00.Z",         // empty fraction
           "2026-11-28T10:00:00.1234567Z",  // 7 fractional digits
           "2026-13-01T00:00:00Z",
           "2026-00-01T00:00:00Z",
           "2026-02-29T00:00:00Z",  // not a leap year
           "1900-02-29T00:00:00Z",
           "2026-04-31T00:00:00Z",
           "2026-11-00T00:00:00Z",
           "2026-11-28T24:00:00Z",
           "2026-11-28T10:60:00Z",
           "2026-11-28T10:00:60Z",  // leap seconds are refused
           "2026-11-28T10:00:00+24:00",
           "2026-11-28T10:00:00+01:60",
           "2026-11-28T10:00:00+0100",
           "2026-11-28T10:00:00+01",
           "2026-11-28T10:00:00ZZ",
           "2026-11-28T10:00:00Z ",
           " 2026-11-28T10:00:00Z",
           "+2026-11-28T10:00:00Z",
           "26-11-28T10:00:00Z",
           "2026-1-28T10:00:00Z",
           "2026/11/28T10:00:00Z",
           "2026-11-28T10:00:00.12a4Z",
           "\xef\xbc\x92"
           "026-11-28T10:00:00Z",
       }) {
    Result<Timestamp> r = ParseRfc3339(bad);
    ASSERT_FALSE(r.ok()) << "\"" << bad << "\" parsed as " << *r;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(r.status().reason(), "invalid_request") << bad;
  }
}

}  // namespace
}  // namespace stub
