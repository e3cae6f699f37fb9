// Money: int64 micro-units (1e-6) of an org's currency. Never floating point.
//
// Decimal strings are the only external form: digits, optionally a '.' and
// 1–6 fractional digits. No sign, exponent, whitespace, leading '+', leading
// zeros ("007"), or bare '.' ("1.", ".5"). Every arithmetic operation on money
// is checked: overflow is an error, never a wrap.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

using Micros = std::int64_t;

inline constexpr Micros kMicrosPerUnit = 1'000'000;
inline constexpr int kMaxFractionDigits = 6;

// Parses a non-negative decimal amount ("0", "12", "0.25", "0.000001").
// Errors: kInvalidArgument with reason "invalid_amount" for any malformed,
// negative, over-precise or overflowing input.
Result<Micros> ParseAmount(std::string_view text);

// As ParseAmount, but zero is also refused (spends, holds, captures).
Result<Micros> ParsePositiveAmount(std::string_view text);

// Canonical decimal form: no trailing fractional zeros, no '.' for whole
// amounts, '-' for negatives. 0 → "0", 250000 → "0.25", 12000000 → "12",
// -1 → "-0.000001". Total over the whole int64 range; ParseAmount inverts it
// for non-negative values.
std::string FormatAmount(Micros amount);

// A sum of many amounts: 128 bits, so no count of int64 amounts a process can
// read overflows it. Narrowed back to Micros (checked) only where one figure
// is shown.
using WideMicros = __int128;

// `total` as Micros. Errors: kOutOfRange "amount_overflow" beyond int64.
Result<Micros> NarrowMicros(WideMicros total);

// Checked arithmetic. Errors: kOutOfRange with reason "amount_overflow".
Result<Micros> CheckedAdd(Micros a, Micros b);
Result<Micros> CheckedSub(Micros a, Micros b);
Result<Micros> CheckedMul(Micros a, std::int64_t factor);

}  // namespace stub
