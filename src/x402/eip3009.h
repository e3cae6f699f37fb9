// EIP-3009 transferWithAuthorization as EIP-712 typed data: what an x402
// "exact" EVM payment signs. The token contract (USDC and others) checks the
// signature against
//
//   EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)
//   TransferWithAuthorization(address from,address to,uint256 value,
//                             uint256 validAfter,uint256 validBefore,bytes32 nonce)
//
// and the digest signed is keccak256(0x19 0x01 || domainSeparator || structHash).
//
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "x402/eth_address.h"
#include "x402/keccak256.h"

namespace stub::x402 {

// An unsigned integer of up to 128 bits: token amounts in atomic units (a
// uint256 on chain; anything past 2^128 is no payment Stub would make).
using Uint128 = unsigned __int128;

struct Eip712Domain {
  std::string name;     // the token's EIP-712 name, e.g. "USD Coin" or "USDC"
  std::string version;  // e.g. "2"
  std::uint64_t chain_id = 0;
  Address verifying_contract;  // the token
};

struct TransferAuthorization {
  Address from;
  Address to;
  Uint128 value = 0;
  std::uint64_t valid_after = 0;   // unix seconds
  std::uint64_t valid_before = 0;  // unix seconds
  Hash32 nonce{};                  // random, never reused by `from`
};

Hash32 DomainSeparator(const Eip712Domain& domain);
Hash32 TransferAuthorizationStructHash(const TransferAuthorization& auth);
// The digest an EIP-712 signer signs for `auth` under `domain`.
Hash32 TransferAuthorizationDigest(const Eip712Domain& domain, const TransferAuthorization& auth);

// The typed data as eth_signTypedData_v4 (and viem's signTypedData) take it:
// {"types", "primaryType", "domain", "message"}, integers as decimal strings.
// Given to an external signer beside the digest.
nlohmann::json TransferAuthorizationTypedData(const Eip712Domain& domain,
                                              const TransferAuthorization& auth);

// Decimal digits of v (no sign, no leading zeros; "0" for zero).
std::string Uint128ToDecimal(Uint128 v);
// Parses decimal digits (1–39 of them, no sign, no other characters) into a
// value below 2^128; false if `text` is not that.
bool ParseUint128(std::string_view text, Uint128& out);

}  // namespace stub::x402
