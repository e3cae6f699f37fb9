#include "core/secret_box.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "core/base64.h"
#include "core/sha256.h"

namespace stub {
namespace {

constexpr std::string_view kSealedPrefix = "sb1.";
constexpr std::string_view kKeyLabel = "stub secret box v1";
constexpr std::size_t kTagBytes = 16;
constexpr int kNonceLen = static_cast<int>(kSecretNonceBytes);
constexpr int kTagLen = static_cast<int>(kTagBytes);
constexpr std::size_t kMinKeyBytes = 32;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status SecretUnreadable() {
  return FailedPrecondition(
      "a stored secret cannot be decrypted: the server secret key (STUB_SECRET_KEY or "
      "--secret-key-file) is not the one it was stored under, or the value was altered",
      "secret_unreadable");
}

}  // namespace

Result<SecretKey> SecretKey::Parse(std::string_view text) {
  text = TrimSpace(text);
  std::string material;
  const bool all_hex = !text.empty() && std::all_of(text.begin(), text.end(),
                                                    [](char c) { return HexDigitValue(c) >= 0; });
  if (!(all_hex ? FromHex(text, material) : DecodeBase64(text, material))) {
    return InvalidArgument("the server secret key is neither hex nor base64", "invalid_secret_key");
  }
  if (material.size() < kMinKeyBytes) {
    return InvalidArgument("the server secret key has " + std::to_string(material.size()) +
                               " bytes; it needs at least 32 random bytes (e.g. `openssl rand "
                               "-hex 32`)",
                           "invalid_secret_key");
  }
  SecretKey key;
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), material.data(), static_cast<int>(material.size()),
           reinterpret_cast<const unsigned char*>(kKeyLabel.data()), kKeyLabel.size(),
           key.key_.data(), &len) == nullptr ||
      len != key.key_.size()) {
    return Internal("HMAC-SHA256 failed deriving the secret key");
  }
  std::fill(material.begin(), material.end(), '\0');
  return key;
}

Result<std::string> SealSecret(const SecretKey& key, std::string_view plaintext,
                               std::string_view context, const SecretNonce& nonce) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  std::string out(kSecretNonceBytes + plaintext.size() + kTagBytes, '\0');
  std::copy(nonce.begin(), nonce.end(), out.begin());
  auto* body = reinterpret_cast<unsigned char*>(out.data() + kSecretNonceBytes);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), body, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), body + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagLen, body + plaintext.size()) != 1) {
    return Internal("AES-256-GCM encryption failed");
  }
  return std::string(kSealedPrefix) + EncodeBase64(out);
}

Result<std::string> OpenSecret(const SecretKey& key, std::string_view sealed,
                               std::string_view context) {
  if (sealed.substr(0, kSealedPrefix.size()) != kSealedPrefix) return SecretUnreadable();
  std::string raw;
  if (!DecodeBase64(sealed.substr(kSealedPrefix.size()), raw) ||
      raw.size() < kSecretNonceBytes + kTagBytes) {
    return SecretUnreadable();
  }
  const std::size_t n = raw.size() - kSecretNonceBytes - kTagBytes;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  std::string plain(n, '\0');
  std::string tag = raw.substr(kSecretNonceBytes + n);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceLen, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), bytes) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                        reinterpret_cast<const unsigned char*>(context.data()),
                        static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                        bytes + kSecretNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagLen, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) !=
          1) {
    return SecretUnreadable();
  }
  return plain;
}

}  // namespace stub
