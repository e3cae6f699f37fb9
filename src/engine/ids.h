// Identifiers for spends, holds, denials, keys and events: a kind prefix and
// 96 random bits in hex ("sp_3f9a…"). Unguessable and unique without
// coordination: the bits come from OpenSSL's CSPRNG (RAND_bytes), drawn in
// blocks per thread so that an id costs a copy, not a call; a forked child
// never reuses its parent's unspent block.
#pragma once

#include <string>
#include <string_view>

namespace stub {

// Thread-safe. Aborts the process if the CSPRNG fails (it cannot be seeded):
// an id that may repeat or be guessed is never handed out.
std::string NewId(std::string_view prefix);

}  // namespace stub
