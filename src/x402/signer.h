// Key custody for x402 payments: a Signer holds (or reaches) one secp256k1
// key and signs EIP-712 digests with it. Stub never stores a private key:
// wallets name a signer registered when the server starts.
//
// Implementations: LocalSigner (a key from a file or the environment, in
// memory only) and, in the server, an external signer called over HTTP (a
// KMS, an HSM, Coinbase CDP).
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/status.h"
#include "x402/eth_address.h"
#include "x402/keccak256.h"

namespace stub::x402 {

// r (32 bytes) || s (32 bytes, low-s) || v (27 or 28): Ethereum's 65-byte form.
using Signature = std::array<std::uint8_t, 65>;

// "0x" + 130 lowercase hex digits.
std::string SignatureHex(const Signature& sig);

// What a signer is asked to sign: the EIP-712 digest, and the typed data it
// was computed from (for signers that sign typed data rather than digests,
// and for the audit trail of an external signer).
struct SignRequest {
  Hash32 digest{};
  nlohmann::json typed_data;
};

class Signer {
 public:
  virtual ~Signer() = default;

  // The address of the signer's key: constant for the signer's lifetime (a
  // remote signer is asked once, when first needed). Errors: kUnavailable
  // when a remote signer cannot be reached. Thread-safe.
  virtual Result<Address> GetAddress() = 0;

  // Signs request.digest. GUARANTEES on success: a signature from which
  // RecoverSigner(request.digest, sig) gives GetAddress(). Errors: kUnavailable
  // when a remote signer cannot be reached or answers late (nothing was
  // signed that Stub will send); kInternal when a signer answers with a
  // signature of another key. Thread-safe.
  virtual Result<Signature> Sign(const SignRequest& request) = 0;
};

// The address whose key made `sig` over `digest`. Errors: kInvalidArgument
// "invalid_signature" when the signature is malformed or recovers no key.
// Thread-safe.
Result<Address> RecoverSigner(const Hash32& digest, const Signature& sig);

// Parses "0x" + 130 hex digits with v in {0, 1, 27, 28} (normalised to 27/28).
// Errors: kInvalidArgument "invalid_signature".
Result<Signature> ParseSignature(std::string_view text);

}  // namespace stub::x402
