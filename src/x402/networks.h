// EVM networks as x402 names them: v1 uses names ("base", "base-sepolia"),
// v2 uses CAIP-2 ids ("eip155:8453"). Both resolve to a chain id, which is
// what EIP-712 signs and what a wallet's configuration is compared on.
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stub::x402 {

// The chain id of "eip155:<decimal>" or of a v1 network name x402's EVM
// packages know (the table in networks.cc mirrors @x402/evm's). nullopt for
// anything else (another chain family, a typo).
std::optional<std::uint64_t> EvmChainId(std::string_view network);

// "eip155:<chain id>".
std::string Caip2(std::uint64_t chain_id);

}  // namespace stub::x402
