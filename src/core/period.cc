#include "core/period.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "core/civil.h"

namespace stub {
namespace {

constexpr Timestamp kMaxTimestamp = std::numeric_limits<Timestamp>::max();
// Bucket starts saturate one above INT64_MIN so that no bucket start ever
// equals BucketBalance::kNoBucket (INT64_MIN). Only timestamps some 292,000
// years before the epoch are affected.
constexpr Timestamp kMinBucketStart = std::numeric_limits<Timestamp>::min() + 1;

// The timestamp of midnight at the start of day `days`, saturated.
Timestamp DayToTimestamp(std::int64_t days) {
  Timestamp t = 0;
  if (__builtin_mul_overflow(days, civil::kMicrosPerDay, &t)) {
    return days < 0 ? kMinBucketStart : kMaxTimestamp;
  }
  return t < kMinBucketStart ? kMinBucketStart : t;
}

// First day (days since epoch) of the month that is `months_ahead` months
// after (year, month).
std::int64_t FirstOfMonth(std::int64_t year, unsigned month, std::int64_t months_ahead) {
  const std::int64_t index = year * 12 + (static_cast<std::int64_t>(month) - 1) + months_ahead;
  return civil::DaysFromCivil(civil::FloorDiv(index, 12),
                              static_cast<unsigned>(civil::FloorMod(index, 12) + 1), 1);
}

// [start_day, end_day) of the bucket of a calendar period containing `day`.
struct DayRange {
  std::int64_t start;
  std::int64_t end;
};

DayRange BucketDays(Period p, std::int64_t day) {
  switch (p) {
    case Period::kDay:
      return {day, day + 1};
    case Period::kWeek: {
      const std::int64_t start = day - civil::IsoWeekdayIndex(day);
      return {start, start + 7};
    }
    case Period::kMonth: {
      const civil::Date d = civil::CivilFromDays(day);
      return {FirstOfMonth(d.year, d.month, 0), FirstOfMonth(d.year, d.month, 1)};
    }
    case Period::kQuarter: {
      const civil::Date d = civil::CivilFromDays(day);
      const unsigned first_month = (d.month - 1) / 3 * 3 + 1;
      return {FirstOfMonth(d.year, first_month, 0), FirstOfMonth(d.year, first_month, 3)};
    }
    case Period::kYear: {
      const civil::Date d = civil::CivilFromDays(day);
      return {civil::DaysFromCivil(d.year, 1, 1), civil::DaysFromCivil(d.year + 1, 1, 1)};
    }
    case Period::kTotal:
      break;
  }
  return {0, 0};  // unreachable for valid periods
}

void AppendSignedPadded(std::string& out, std::int64_t v, int width) {
  if (v < 0) {
    out += '-';
    v = -v;
  }
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  for (auto len = end - buf; len < width; ++len) out += '0';
  out.append(buf, end);
}

}  // namespace

std::string_view PeriodName(Period p) {
  switch (p) {
    case Period::kDay:
      return "day";
    case Period::kWeek:
      return "week";
    case Period::kMonth:
      return "month";
    case Period::kQuarter:
      return "quarter";
    case Period::kYear:
      return "year";
    case Period::kTotal:
      return "total";
  }
  return "unknown";
}

std::optional<Period> ParsePeriod(std::string_view name) {
  for (Period p : kAllPeriods) {
    if (PeriodName(p) == name) return p;
  }
  return std::nullopt;
}

Timestamp BucketStart(Period p, Timestamp t) {
  if (p == Period::kTotal) return 0;
  return DayToTimestamp(BucketDays(p, civil::FloorDiv(t, civil::kMicrosPerDay)).start);
}

BucketStarts AllBucketStarts(Timestamp t) {
  BucketStarts starts{};
  for (Period p : kAllPeriods) starts[static_cast<std::size_t>(p)] = BucketStart(p, t);
  return starts;
}

Timestamp BucketEnd(Period p, Timestamp t) {
  if (p == Period::kTotal) return kMaxTimestamp;
  return DayToTimestamp(BucketDays(p, civil::FloorDiv(t, civil::kMicrosPerDay)).end);
}

std::string BucketLabel(Period p, Timestamp t) {
  if (p == Period::kTotal) return "total";
  const std::int64_t day = civil::FloorDiv(t, civil::kMicrosPerDay);
  const civil::Date d = civil::CivilFromDays(day);
  std::string out;
  out.reserve(16);
  switch (p) {
    case Period::kDay:
      AppendSignedPadded(out, d.year, 4);
      out += '-';
      AppendSignedPadded(out, d.month, 2);
      out += '-';
      AppendSignedPadded(out, d.day, 2);
      break;
    case Period::kWeek: {
      // The ISO week-based year is the year of the week's Thursday.
      const std::int64_t thursday = day - civil::IsoWeekdayIndex(day) + 3;
      const std::int64_t week_year = civil::CivilFromDays(thursday).year;
      const std::int64_t week = (thursday - civil::DaysFromCivil(week_year, 1, 1)) / 7 + 1;
      AppendSignedPadded(out, week_year, 4);
      out += "-W";
      AppendSignedPadded(out, week, 2);
      break;
    }
    case Period::kMonth:
      AppendSignedPadded(out, d.year, 4);
      out += '-';
      AppendSignedPadded(out, d.month, 2);
      break;
    case Period::kQuarter:
      AppendSignedPadded(out, d.year, 4);
      out += "-Q";
      AppendSignedPadded(out, (d.month - 1) / 3 + 1, 1);
      break;
    case Period::kYear:
      AppendSignedPadded(out, d.year, 4);
      break;
    case Period::kTotal:
      break;
  }
  return out;
}

}  // namespace stub
