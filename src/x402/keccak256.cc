#include "x402/keccak256.h"

#include <cstring>

namespace stub::x402 {
namespace {

constexpr std::size_t kRate = 136;  // bytes: (1600 - 2 * 256) / 8

constexpr std::array<std::uint64_t, 24> kRoundConstants = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

// Rotation offsets and the lane each lane moves to (the rho and pi steps),
// walked in pi's cycle order starting from lane 1.
constexpr std::array<int, 24> kRotations = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                            27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
constexpr std::array<int, 24> kPiLanes = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                          15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

constexpr std::uint64_t Rotl(std::uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

void KeccakF1600(std::array<std::uint64_t, 25>& a) {
  for (const std::uint64_t rc : kRoundConstants) {
    // theta
    std::array<std::uint64_t, 5> c{};
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    for (int x = 0; x < 5; ++x) {
      const std::uint64_t d = c[(x + 4) % 5] ^ Rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
    }
    // rho and pi
    std::uint64_t carried = a[1];
    for (std::size_t i = 0; i < 24; ++i) {
      const int lane = kPiLanes[i];
      const std::uint64_t next = a[lane];
      a[lane] = Rotl(carried, kRotations[i]);
      carried = next;
    }
    // chi
    for (int y = 0; y < 25; y += 5) {
      std::array<std::uint64_t, 5> row{};
      for (int x = 0; x < 5; ++x) row[x] = a[y + x];
      for (int x = 0; x < 5; ++x) a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
    }
    // iota
    a[0] ^= rc;
  }
}

// Little-endian lanes, as the Keccak reference defines the byte order.
void AbsorbBlock(std::array<std::uint64_t, 25>& state, const std::uint8_t* block) {
  for (std::size_t i = 0; i < kRate / 8; ++i) {
    std::uint64_t lane = 0;
    for (int b = 7; b >= 0; --b) lane = (lane << 8) | block[i * 8 + static_cast<std::size_t>(b)];
    state[i] ^= lane;
  }
  KeccakF1600(state);
}

class Sponge {
 public:
  void Absorb(std::string_view data) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t n = data.size();
    while (n > 0) {
      const std::size_t take = std::min(n, kRate - used_);
      std::memcpy(buffer_.data() + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ == kRate) {
        AbsorbBlock(state_, buffer_.data());
        used_ = 0;
      }
    }
  }

  Hash32 Finish() {
    std::memset(buffer_.data() + used_, 0, kRate - used_);
    buffer_[used_] ^= 0x01;
    buffer_[kRate - 1] ^= 0x80;
    AbsorbBlock(state_, buffer_.data());
    Hash32 out{};
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<std::uint8_t>(state_[i / 8] >> (8 * (i % 8)));
    }
    return out;
  }

 private:
  std::array<std::uint64_t, 25> state_{};
  std::array<std::uint8_t, kRate> buffer_{};
  std::size_t used_ = 0;
};

}  // namespace

Hash32 Keccak256(std::string_view data) { return Keccak256(data, {}); }

Hash32 Keccak256(std::string_view a, std::string_view b) {
  Sponge sponge;
  sponge.Absorb(a);
  sponge.Absorb(b);
  return sponge.Finish();
}

}  // namespace stub::x402
