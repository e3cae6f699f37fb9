// Secrets kept encrypted at rest (a provider's API key, issue 21): AES-256-GCM
// under a server key, bound to the row it belongs to.
//
// The server key comes from STUB_SECRET_KEY or --secret-key-file: at least 32
// random bytes, written as hex or base64 (standard or URL-safe, padded or
// not), surrounding whitespace ignored. The AES key is derived from it with
// HMAC-SHA256 under a fixed label, so any length of key material >= 32 bytes
// gives a uniform 32-byte key.
//
// A sealed secret is "sb1." + base64(nonce || ciphertext || tag): 12-byte
// nonce, 16-byte tag. `context` (e.g. "provider:acme/openai") is the
// associated data: a sealed value moved to another row does not open.
//
// Pure: the caller supplies the nonce (12 bytes from a CSPRNG, never reused
// under one key). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

inline constexpr std::size_t kSecretNonceBytes = 12;
using SecretNonce = std::array<std::uint8_t, kSecretNonceBytes>;

class SecretKey {
 public:
  // Parses key material as described above. Errors: kInvalidArgument
  // "invalid_secret_key" naming what is wrong (never echoing the material).
  static Result<SecretKey> Parse(std::string_view text);

  const std::array<std::uint8_t, 32>& bytes() const { return key_; }

 private:
  std::array<std::uint8_t, 32> key_{};
};

// Encrypts `plaintext` bound to `context`. Errors: kInternal if OpenSSL fails.
Result<std::string> SealSecret(const SecretKey& key, std::string_view plaintext,
                               std::string_view context, const SecretNonce& nonce);

// Decrypts a value SealSecret made under the same key and context. Errors:
// kFailedPrecondition "secret_unreadable" when the value is malformed, was
// sealed under another key (the server key changed: the operator must set the
// old one back, or store the secret again) or for another context, or was
// altered.
Result<std::string> OpenSecret(const SecretKey& key, std::string_view sealed,
                               std::string_view context);

}  // namespace stub
