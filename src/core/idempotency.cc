#include "core/idempotency.h"

#include <optional>
#include <string>
#include <string_view>

#include "core/sha256.h"

namespace stub {

Status ValidateIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) {
    return InvalidArgument(
        "idempotency key must be 1-" + std::to_string(kMaxIdempotencyKeyBytes) + " characters",
        "invalid_request");
  }
  for (char c : key) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
      return InvalidArgument("idempotency key must be printable ASCII without spaces (0x21-0x7e)",
                             "invalid_request");
    }
  }
  return Status::Ok();
}

std::string FingerprintDigest(std::string_view canonical) {
  // Appended rather than `"#" + text`: g++ 12 at -O3 reports a false
  // -Wrestrict inside operator+(const char*, std::string&&).
  std::string digest = "#";
  digest += ToBase64(Sha256(canonical));
  return digest;
}

Result<std::optional<Outcome>> CheckReplay(const IdempotencyRecord* existing,
                                           std::string_view canonical) {
  if (existing == nullptr) return std::optional<Outcome>();
  const bool same = existing->fingerprint.starts_with('#')
                        ? existing->fingerprint == FingerprintDigest(canonical)
                        : existing->fingerprint == canonical;
  if (!same) {
    return FailedPrecondition("idempotency key was already used for a different request",
                              "idempotency_key_reused");
  }
  return std::optional<Outcome>(existing->outcome);
}

}  // namespace stub
