// What an id costs (engine/ids): NewId (OpenSSL RAND_bytes drawn 4 KiB at a
// time per thread) against one RAND_bytes call per id and against the
// mt19937_64 generator ids used before (predictable from a few outputs).
//
//   ./build/release/stub_bench --benchmark_filter=Id
#include <benchmark/benchmark.h>
#include <openssl/rand.h>

#include <cstdint>
#include <random>
#include <string>

#include "engine/ids.h"

namespace stub {
namespace {

void BM_IdNewIdBatchedCsprng(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NewId("sp"));
}
BENCHMARK(BM_IdNewIdBatchedCsprng);

void BM_IdRandBytesPerId(benchmark::State& state) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (auto _ : state) {
    unsigned char bytes[12];
    if (RAND_bytes(bytes, sizeof(bytes)) != 1) state.SkipWithError("RAND_bytes failed");
    std::string id = "sp_";
    for (unsigned char b : bytes) {
      id.push_back(kHex[b >> 4]);
      id.push_back(kHex[b & 0xf]);
    }
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_IdRandBytesPerId);

void BM_IdMt19937(benchmark::State& state) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::mt19937_64 rng{std::random_device{}()};
  for (auto _ : state) {
    std::string id = "sp_";
    for (int word = 0; word < 2; ++word) {
      std::uint64_t bits = rng();
      for (int i = 0; i < (word == 0 ? 16 : 8); ++i) {
        id.push_back(kHex[bits & 0xf]);
        bits >>= 4;
      }
    }
    benchmark::DoNotOptimize(id);
  }
}
BENCHMARK(BM_IdMt19937);

}  // namespace
}  // namespace stub
