// A Signer over a secp256k1 private key held in this process's memory only:
// read once when the server starts (`stub serve --signer NAME=PATH`), never
// written to the store, a log, an error or an answer, and wiped when the
// signer is destroyed. Signatures are deterministic (RFC 6979) and low-s, as
// libsecp256k1 makes them.
#pragma once

#include <memory>
#include <string_view>

#include "x402/signer.h"

namespace stub::x402 {

class LocalSigner final : public Signer {
 public:
  // `hex` is the private key: 64 hex digits, with or without "0x", surrounding
  // whitespace ignored (a file's trailing newline). Errors: kInvalidArgument
  // "invalid_private_key" (never echoing the key) when it is not that or is
  // not a valid secp256k1 secret (zero, or not below the group order).
  static Result<std::unique_ptr<LocalSigner>> FromHex(std::string_view hex);

  ~LocalSigner() override;
  LocalSigner(const LocalSigner&) = delete;
  LocalSigner& operator=(const LocalSigner&) = delete;

  // Never fails.
  Result<Address> GetAddress() override { return address_; }
  const Address& address() const { return address_; }
  Result<Signature> Sign(const SignRequest& request) override;

 private:
  LocalSigner() = default;

  std::array<std::uint8_t, 32> key_{};
  Address address_;
};

}  // namespace stub::x402
