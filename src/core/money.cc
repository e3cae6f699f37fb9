#include "core/money.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace stub {
namespace {

Status InvalidAmount(std::string message) {
  return InvalidArgument(std::move(message), "invalid_amount");
}

Status AmountOverflow() { return OutOfRange("amount arithmetic overflows", "amount_overflow"); }

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

constexpr Micros kPow10[kMaxFractionDigits + 1] = {1, 10, 100, 1'000, 10'000, 100'000, 1'000'000};

}  // namespace

Result<Micros> ParseAmount(std::string_view text) {
  // The input is never echoed into the message: it may be huge or not UTF-8.
  constexpr const char* kShape =
      "amount must be a decimal string such as \"12\" or \"0.25\" (digits, optionally '.' and 1-6 "
      "fractional digits; no sign, exponent, spaces or leading zeros)";
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n && IsAsciiDigit(text[i])) ++i;
  const std::size_t int_len = i;
  if (int_len == 0) return InvalidAmount(kShape);
  if (int_len > 1 && text[0] == '0') return InvalidAmount(kShape);
  std::size_t frac_begin = n;
  std::size_t frac_len = 0;
  if (i < n) {
    if (text[i] != '.') return InvalidAmount(kShape);
    frac_begin = ++i;
    while (i < n && IsAsciiDigit(text[i])) ++i;
    frac_len = i - frac_begin;
    if (frac_len == 0 || i != n) return InvalidAmount(kShape);
    if (frac_len > static_cast<std::size_t>(kMaxFractionDigits)) {
      return InvalidAmount("amount has more than 6 fractional digits");
    }
  }

  constexpr const char* kTooLarge = "amount is too large";
  Micros units = 0;
  for (std::size_t k = 0; k < int_len; ++k) {
    if (__builtin_mul_overflow(units, Micros{10}, &units) ||
        __builtin_add_overflow(units, Micros{text[k] - '0'}, &units)) {
      return InvalidAmount(kTooLarge);
    }
  }
  Micros frac = 0;
  for (std::size_t k = 0; k < frac_len; ++k) {
    frac = frac * 10 + (text[frac_begin + k] - '0');  // at most 6 digits: no overflow
  }
  frac *= kPow10[static_cast<std::size_t>(kMaxFractionDigits) - frac_len];
  Micros total = 0;
  if (__builtin_mul_overflow(units, kMicrosPerUnit, &total) ||
      __builtin_add_overflow(total, frac, &total)) {
    return InvalidAmount(kTooLarge);
  }
  return total;
}

Result<Micros> ParsePositiveAmount(std::string_view text) {
  Result<Micros> r = ParseAmount(text);
  if (r.ok() && *r == 0) return InvalidAmount("amount must be greater than zero");
  return r;
}

Result<Micros> NarrowMicros(WideMicros total) {
  if (total > std::numeric_limits<Micros>::max() || total < std::numeric_limits<Micros>::min()) {
    return AmountOverflow();
  }
  return static_cast<Micros>(total);
}

std::string FormatAmount(Micros amount) {
  // Magnitude in unsigned arithmetic so that INT64_MIN is representable.
  const std::uint64_t mag = amount < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(amount)
                                       : static_cast<std::uint64_t>(amount);
  const std::uint64_t per_unit = static_cast<std::uint64_t>(kMicrosPerUnit);
  const std::uint64_t whole = mag / per_unit;
  std::uint64_t frac = mag % per_unit;

  char buf[32];
  char* p = buf;
  if (amount < 0) *p++ = '-';
  p = std::to_chars(p, buf + sizeof(buf), whole).ptr;
  if (frac != 0) {
    *p++ = '.';
    int digits = kMaxFractionDigits;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    for (int k = digits - 1; k >= 0; --k) {
      p[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += digits;
  }
  return std::string(buf, static_cast<std::size_t>(p - buf));
}

Result<Micros> CheckedAdd(Micros a, Micros b) {
  Micros r = 0;
  if (__builtin_add_overflow(a, b, &r)) return AmountOverflow();
  return r;
}

Result<Micros> CheckedSub(Micros a, Micros b) {
  Micros r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return AmountOverflow();
  return r;
}

Result<Micros> CheckedMul(Micros a, std::int64_t factor) {
  Micros r = 0;
  if (__builtin_mul_overflow(a, factor, &r)) return AmountOverflow();
  return r;
}

}  // namespace stub
