// The seed of a randomized test, so that any failing run can be replayed.
//
// A randomized test takes its seed from TestSeed(), prints it (the line
// "[ seed     ] STUB_TEST_SEED=<seed>") and adds it to every failure with
// SCOPED_TRACE; running the test again with that environment variable
// replays the same choices.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>

namespace stub::testing_support {

// $STUB_TEST_SEED when set (decimal), else a fresh random seed.
inline std::uint64_t TestSeed() {
  if (const char* s = std::getenv("STUB_TEST_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

}  // namespace stub::testing_support
