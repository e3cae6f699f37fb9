// Internal to core: proleptic Gregorian calendar arithmetic on int64 day
// counts (days since 1970-01-01, UTC). Not part of the public API.
//
// These are Howard Hinnant's days_from_civil / civil_from_days, the same
// algorithms <chrono> uses, written on int64 because std::chrono::year is
// limited to ±32767 while an int64 microsecond Timestamp spans ±292,277
// years: every Timestamp maps to a correct civil date. The unit tests check
// these against std::chrono::year_month_day over its whole range.
#pragma once

#include <cstdint>

namespace stub::civil {

inline constexpr std::int64_t kMicrosPerDay = 86'400LL * 1'000'000LL;

struct Date {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

// Floor division and modulo (the result of FloorMod has the sign of b).
// Requires b > 0.
constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
constexpr std::int64_t FloorMod(std::int64_t a, std::int64_t b) {
  const std::int64_t r = a % b;
  return r < 0 ? r + b : r;
}

constexpr bool IsLeapYear(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr unsigned DaysInMonth(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return (m == 2 && IsLeapYear(y)) ? 29u : kDays[(m - 1) % 12];
}

// Days since 1970-01-01 of a civil date. Requires 1 <= m <= 12, 1 <= d <= 31
// and |y| well inside int64 (any year a Timestamp can reach is fine).
constexpr std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = FloorDiv(y, 400);
  const std::int64_t yoe = y - era * 400;  // [0, 399]
  const std::int64_t mp =
      m > 2 ? static_cast<std::int64_t>(m) - 3 : static_cast<std::int64_t>(m) + 9;
  const std::int64_t doy = (153 * mp + 2) / 5 + static_cast<std::int64_t>(d) - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146097 + doe - 719468;
}

// The civil date of a day count.
constexpr Date CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = FloorDiv(z, 146097);
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  Date out;
  out.year = yoe + era * 400 + (m <= 2 ? 1 : 0);
  out.month = static_cast<unsigned>(m);
  out.day = static_cast<unsigned>(d);
  return out;
}

// ISO 8601 weekday of a day count: 0 = Monday … 6 = Sunday (1970-01-01 was a
// Thursday).
constexpr unsigned IsoWeekdayIndex(std::int64_t days) {
  return static_cast<unsigned>(FloorMod(days + 3, 7));
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(2000, 3, 1) == 11017);
static_assert(CivilFromDays(-1).year == 1969 && CivilFromDays(-1).month == 12);
static_assert(IsoWeekdayIndex(0) == 3);

}  // namespace stub::civil
