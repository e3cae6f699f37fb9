// SHA-256, the hashing primitive of the hash chain and fingerprints.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace stub {

using Digest = std::array<std::uint8_t, 32>;

// SHA-256 of the concatenation of the parts.
Digest Sha256(std::string_view a, std::string_view b = {});

std::string ToHex(const Digest& d);
// Lowercase hex of arbitrary bytes.
std::string ToHex(std::string_view bytes);
// Base64 (RFC 4648 section 4, padded: 44 characters) of a digest.
std::string ToBase64(const Digest& d);
// Decodes 64 hex digits into 32 bytes; false if `hex` is not that.
bool FromHex(std::string_view hex, Digest& out);
// Decodes an even number of hex digits (either case) into bytes; false (and
// `out` unspecified) if `hex` is not that.
bool FromHex(std::string_view hex, std::string& out);
// The value of one hex digit (either case), or -1.
int HexDigitValue(char c);

}  // namespace stub
