#include "core/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace stub {
namespace {

// The SHA-256 implementation, fetched once (an explicit fetch avoids
// OpenSSL 3's per-call implicit algorithm lookup). Deliberately never freed.
const EVP_MD* Sha256Md() {
  static const EVP_MD* const md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One digest context per thread, reused: hashing is on the spend hot path.
EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

Digest Sha256(std::string_view a, std::string_view b) {
  Digest out{};
  EVP_MD_CTX* ctx = ThreadCtx();
  unsigned int len = 0;
  // SHA-256 cannot fail short of memory exhaustion or a broken OpenSSL
  // installation; neither is recoverable here.
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) {
    std::abort();
  }
  return out;
}

std::string ToHex(const Digest& d) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

std::string ToHex(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHexDigits[byte >> 4];
    out[2 * i + 1] = kHexDigits[byte & 0x0f];
  }
  return out;
}

std::string ToBase64(const Digest& d) {
  unsigned char out[45];  // 4 * ceil(32 / 3) characters and EVP_EncodeBlock's NUL
  const int n = EVP_EncodeBlock(out, d.data(), static_cast<int>(d.size()));
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool FromHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.resize(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = HexDigitValue(hex[2 * i]);
    const int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return true;
}

bool FromHex(std::string_view hex, Digest& out) {
  if (hex.size() != out.size() * 2) return false;
  Digest tmp{};
  for (std::size_t i = 0; i < tmp.size(); ++i) {
    const int hi = HexDigitValue(hex[2 * i]);
    const int lo = HexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    tmp[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  out = tmp;
  return true;
}

}  // namespace stub
