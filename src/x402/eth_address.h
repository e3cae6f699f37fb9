// Ethereum account addresses: 20 bytes, the last 20 of the Keccak-256 of the
// 64-byte uncompressed public key (without its 0x04 prefix), written as 0x +
// 40 hex digits with the EIP-55 mixed-case checksum.
//
// Pure and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub::x402 {

struct Address {
  std::array<std::uint8_t, 20> bytes{};
  friend bool operator==(const Address&, const Address&) = default;
};

// The address of a public key given as its 64 bytes x || y (big-endian).
// REQUIRES: public_key.size() == 64.
Address AddressFromPublicKey(std::string_view public_key);

// "0x" + 40 hex digits, EIP-55 checksummed.
std::string ToChecksumHex(const Address& address);

// "0x" + 40 lowercase hex digits: the form compared and stored.
std::string ToLowerHex(const Address& address);

// Parses "0x" + 40 hex digits. All-lowercase and all-uppercase digits carry
// no checksum and are taken as they are; mixed case must be a valid EIP-55
// checksum (a mistyped address is refused rather than paid). Errors:
// kInvalidArgument "invalid_address".
Result<Address> ParseAddress(std::string_view text);

}  // namespace stub::x402
