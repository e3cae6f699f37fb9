#include "engine/ids.h"

#include <cstdint>
#include <random>

namespace stub {

std::string NewId(std::string_view prefix) {
  thread_local std::mt19937_64 rng{[] {
    std::random_device rd;
    return (std::uint64_t{rd()} << 32) ^ rd();
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  id.push_back('_');
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = rng();
    const int digits = word == 0 ? 16 : 8;  // 64 + 32 = 96 bits
    for (int i = 0; i < digits; ++i) {
      id.push_back(kHex[bits & 0xf]);
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace stub
