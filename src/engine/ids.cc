#include "engine/ids.h"

#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/time_ordered_id.h"

namespace stub {
namespace {

constexpr std::size_t kIdBytes = 12;  // 96 bits, the most an id draws
// 4 KiB of randomness per RAND_bytes call: 341 ids or more.
constexpr std::size_t kBlockBytes = kIdBytes * 341;
constexpr char kHex[] = "0123456789abcdef";

// Bumped in every forked child, so a thread's block drawn before the fork is
// dropped instead of being spent again by both processes.
std::atomic<std::uint64_t> fork_generation{0};

void OnFork() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

struct RandomBlock {
  std::array<unsigned char, kBlockBytes> bytes;
  std::size_t used = kBlockBytes;
  std::uint64_t generation = 0;

  const unsigned char* Take(std::size_t n) {
    static const bool registered = [] { return pthread_atfork(nullptr, nullptr, OnFork) == 0; }();
    (void)registered;
    const std::uint64_t now = fork_generation.load(std::memory_order_relaxed);
    if (used + n > bytes.size() || generation != now) {
      if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        std::fputs("stub: the CSPRNG (OpenSSL RAND_bytes) failed; refusing to make ids\n", stderr);
        std::abort();
      }
      used = 0;
      generation = now;
    }
    const unsigned char* out = bytes.data() + used;
    used += n;
    return out;
  }
};

// n bytes of this thread's block of CSPRNG output, never handed out twice.
const unsigned char* TakeRandom(std::size_t n) {
  thread_local RandomBlock block;
  return block.Take(n);
}

}  // namespace

std::string NewId(std::string_view prefix) {
  std::string id;
  id.reserve(prefix.size() + 1 + 2 * kIdBytes);
  id.append(prefix);
  id.push_back('_');
  const unsigned char* bits = TakeRandom(kIdBytes);
  for (std::size_t i = 0; i < kIdBytes; ++i) {
    id.push_back(kHex[bits[i] >> 4]);
    id.push_back(kHex[bits[i] & 0xf]);
  }
  return id;
}

std::string NewTimeOrderedId(std::string_view prefix, Timestamp now) {
  std::array<unsigned char, kTimeOrderedIdRandomBytes> random;
  const unsigned char* bits = TakeRandom(random.size());
  std::copy(bits, bits + random.size(), random.begin());
  return FormatTimeOrderedId(prefix, now, random);
}

}  // namespace stub
