#include "core/time_util.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/civil.h"

namespace stub {
namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

Status InvalidTime(std::string message) {
  return InvalidArgument(std::move(message), "invalid_request");
}

// Appends `v` zero-padded to `width` digits. Requires 0 <= v < 10^width.
void AppendPadded(std::string& out, std::int64_t v, int width) {
  char buf[20];
  for (int k = width - 1; k >= 0; --k) {
    buf[k] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Parses exactly `width` ASCII digits at `text[pos]`; false if not digits.
bool ParseDigits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int v = 0;
  for (std::size_t k = 0; k < width; ++k) {
    const char c = text[pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

Timestamp MakeTimestamp(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                        unsigned second) {
  const std::int64_t days = civil::DaysFromCivil(year, month, day);
  const std::int64_t secs = days * kSecondsPerDay + static_cast<std::int64_t>(hour) * 3600 +
                            static_cast<std::int64_t>(minute) * 60 +
                            static_cast<std::int64_t>(second);
  return secs * kMicrosPerSecond;
}

std::string FormatRfc3339(Timestamp t) {
  const std::int64_t days = civil::FloorDiv(t, civil::kMicrosPerDay);
  const std::int64_t micros_of_day = civil::FloorMod(t, civil::kMicrosPerDay);
  const civil::Date date = civil::CivilFromDays(days);
  const std::int64_t secs_of_day = micros_of_day / kMicrosPerSecond;
  const std::int64_t sub = micros_of_day % kMicrosPerSecond;

  std::string out;
  out.reserve(32);
  // Years outside 0000..9999 cannot be written in RFC 3339; they are written
  // with a sign and/or more digits so that the function stays total.
  std::int64_t year = date.year;
  if (year < 0) {
    out += '-';
    year = -year;
  }
  if (year > 9999) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof(buf), year).ptr);
  } else {
    AppendPadded(out, year, 4);
  }
  out += '-';
  AppendPadded(out, date.month, 2);
  out += '-';
  AppendPadded(out, date.day, 2);
  out += 'T';
  AppendPadded(out, secs_of_day / 3600, 2);
  out += ':';
  AppendPadded(out, secs_of_day / 60 % 60, 2);
  out += ':';
  AppendPadded(out, secs_of_day % 60, 2);
  if (sub != 0) {
    out += '.';
    AppendPadded(out, sub, 6);
  }
  out += 'Z';
  return out;
}

Result<Timestamp> ParseRfc3339(std::string_view text) {
  constexpr const char* kShape =
      "time must be an RFC 3339 timestamp such as \"2026-11-28T10:00:00Z\"";
  // YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±hh:mm)
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ParseDigits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !ParseDigits(text, 5, 2, month) || text[7] != '-' || !ParseDigits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !ParseDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ParseDigits(text, 14, 2, minute) || text[16] != ':' || !ParseDigits(text, 17, 2, second)) {
    return InvalidTime(kShape);
  }
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (++digits > 6) return InvalidTime("time has more than 6 fractional second digits");
      micros = micros * 10 + (text[pos] - '0');
      ++pos;
    }
    if (digits == 0) return InvalidTime(kShape);
    for (std::size_t k = digits; k < 6; ++k) micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    int oh = 0, om = 0;
    if (!ParseDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ParseDigits(text, pos + 4, 2, om)) {
      return InvalidTime(kShape);
    }
    if (oh > 23 || om > 59) return InvalidTime("time has an invalid UTC offset");
    offset_seconds = (oh * 3600 + om * 60) * (negative ? -1 : 1);
    pos += 6;
  } else {
    return InvalidTime("time needs a \"Z\" or \"+hh:mm\" UTC offset");
  }
  if (pos != text.size()) return InvalidTime(kShape);
  // Leap seconds (":60") are not representable in Unix time and are refused.
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > civil::DaysInMonth(year, static_cast<unsigned>(month)) ||
      hour > 23 || minute > 59 || second > 59) {
    return InvalidTime("time has an out-of-range date or time field");
  }
  const std::int64_t days =
      civil::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t secs =
      days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset_seconds;
  return secs * kMicrosPerSecond + micros;
}

}  // namespace stub
