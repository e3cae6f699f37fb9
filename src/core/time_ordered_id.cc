#include "core/time_ordered_id.h"

#include <cstdint>

namespace stub {
namespace {

constexpr int kIdTimeDigits = 12;
constexpr char kLowerHex[] = "0123456789abcdef";

// Lowercase only: ids are made lowercase, and an id is compared as bytes.
int LowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::string FormatTimeOrderedId(
    std::string_view prefix, Timestamp now,
    const std::array<unsigned char, kTimeOrderedIdRandomBytes>& random) {
  const auto millis = static_cast<std::uint64_t>(now / 1000);
  std::string id;
  id.reserve(prefix.size() + 1 + kIdTimeDigits + 2 * random.size());
  id.append(prefix);
  id.push_back('_');
  for (int shift = 4 * (kIdTimeDigits - 1); shift >= 0; shift -= 4) {
    id.push_back(kLowerHex[(millis >> shift) & 0xf]);
  }
  for (unsigned char b : random) {
    id.push_back(kLowerHex[b >> 4]);
    id.push_back(kLowerHex[b & 0xf]);
  }
  return id;
}

std::optional<Timestamp> TimeOrderedSpendIdStart(std::string_view id) {
  if (id.size() != kTimeOrderedSpendIdLength || id.substr(0, 3) != "sp_") return std::nullopt;
  std::int64_t millis = 0;
  for (std::size_t i = 3; i < id.size(); ++i) {
    const int v = LowerHexValue(id[i]);
    if (v < 0) return std::nullopt;
    if (i < 3 + kIdTimeDigits) millis = millis * 16 + v;
  }
  return millis * 1000;
}

}  // namespace stub
