// Keccak-256, Ethereum's hash: the Keccak sponge (Keccak-f[1600], rate 136
// bytes, capacity 512 bits) with the original Keccak padding (0x01 … 0x80).
// It is not SHA3-256, which pads with 0x06: the two differ on every input.
// OpenSSL 3.0 has no Keccak-256 and Debian ships no C library for it, so it is
// written here and checked against the published vectors (keccak256_test.cc).
//
// Pure and thread-safe; not constant-time (it hashes public data only).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace stub::x402 {

using Hash32 = std::array<std::uint8_t, 32>;

// Keccak-256 of the bytes of `data`.
Hash32 Keccak256(std::string_view data);

// Keccak-256 of the concatenation a || b.
Hash32 Keccak256(std::string_view a, std::string_view b);

}  // namespace stub::x402
