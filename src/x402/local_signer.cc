#include "x402/local_signer.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>

#include "core/sha256.h"

namespace stub::x402 {
namespace {

// One context for signing and verifying, made once; libsecp256k1 contexts are
// safe to share between threads once made (only randomize mutates them).
const secp256k1_context* Context() {
  static const secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

Status BadKey(std::string_view why) {
  return InvalidArgument("the signer's private key " + std::string(why), "invalid_private_key");
}

}  // namespace

std::string SignatureHex(const Signature& sig) {
  return "0x" + ToHex(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
}

Result<Address> RecoverSigner(const Hash32& digest, const Signature& sig) {
  const int v = sig[64] >= 27 ? sig[64] - 27 : sig[64];
  secp256k1_ecdsa_recoverable_signature rsig;
  if (v < 0 || v > 1 ||
      !secp256k1_ecdsa_recoverable_signature_parse_compact(Context(), &rsig, sig.data(), v)) {
    return InvalidArgument("the signature is malformed", "invalid_signature");
  }
  secp256k1_pubkey pub;
  if (!secp256k1_ecdsa_recover(Context(), &pub, &rsig, digest.data())) {
    return InvalidArgument("the signature recovers no key", "invalid_signature");
  }
  std::array<std::uint8_t, 65> uncompressed{};
  std::size_t len = uncompressed.size();
  secp256k1_ec_pubkey_serialize(Context(), uncompressed.data(), &len, &pub,
                                SECP256K1_EC_UNCOMPRESSED);
  return AddressFromPublicKey(
      std::string_view(reinterpret_cast<const char*>(uncompressed.data()) + 1, 64));
}

Result<Signature> ParseSignature(std::string_view text) {
  std::string bytes;
  if (text.size() != 132 || text.substr(0, 2) != "0x" || !FromHex(text.substr(2), bytes)) {
    return InvalidArgument("a signature is 0x and 130 hex digits", "invalid_signature");
  }
  Signature sig{};
  std::memcpy(sig.data(), bytes.data(), sig.size());
  if (sig[64] <= 1) sig[64] = static_cast<std::uint8_t>(sig[64] + 27);
  if (sig[64] != 27 && sig[64] != 28) {
    return InvalidArgument("a signature's v is 27 or 28", "invalid_signature");
  }
  return sig;
}

Result<std::unique_ptr<LocalSigner>> LocalSigner::FromHex(std::string_view hex) {
  hex = Trim(hex);
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() != 64) return BadKey("is not 64 hex digits");
  std::unique_ptr<LocalSigner> s(new LocalSigner());
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = HexDigitValue(hex[2 * i]);
    const int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return BadKey("is not 64 hex digits");
    s->key_[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  secp256k1_pubkey pub;
  if (!secp256k1_ec_seckey_verify(Context(), s->key_.data()) ||
      !secp256k1_ec_pubkey_create(Context(), &pub, s->key_.data())) {
    return BadKey("is not a valid secp256k1 key");
  }
  std::array<std::uint8_t, 65> uncompressed{};
  std::size_t len = uncompressed.size();
  secp256k1_ec_pubkey_serialize(Context(), uncompressed.data(), &len, &pub,
                                SECP256K1_EC_UNCOMPRESSED);
  s->address_ = AddressFromPublicKey(
      std::string_view(reinterpret_cast<const char*>(uncompressed.data()) + 1, 64));
  return s;
}

LocalSigner::~LocalSigner() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<Signature> LocalSigner::Sign(const SignRequest& request) {
  secp256k1_ecdsa_recoverable_signature rsig;
  // nonce function nullptr: RFC 6979, deterministic.
  if (!secp256k1_ecdsa_sign_recoverable(Context(), &rsig, request.digest.data(), key_.data(),
                                        nullptr, nullptr)) {
    return Internal("secp256k1 signing failed");
  }
  Signature sig{};
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(Context(), sig.data(), &recid, &rsig);
  sig[64] = static_cast<std::uint8_t>(27 + recid);
  return sig;
}

}  // namespace stub::x402
