// Identifiers for spends, holds and denials: a kind prefix and 96 random bits
// in hex ("sp_3f9a…"). Unguessable and unique without coordination.
#pragma once

#include <string>
#include <string_view>

namespace stub {

// Thread-safe (thread-local generator seeded from std::random_device).
std::string NewId(std::string_view prefix);

}  // namespace stub
