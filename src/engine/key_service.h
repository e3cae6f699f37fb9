// API keys: creation (a random 256-bit secret with a recognisable prefix,
// returned once; only its SHA-256 is stored), authentication, listing and
// revocation. Revocation is effective at once: every Authenticate reads the
// store.
//
// Thread-safe; any number of threads may call it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_key.h"
#include "core/status.h"
#include "engine/clock.h"
#include "store/store.h"

namespace stub {

// Every secret starts with this, so a leaked key is recognisable (e.g. by a
// secret scanner).
inline constexpr std::string_view kKeyPrefix = "stub_live_";

struct IssuedKey {
  ApiKeyRow row;
  std::string secret;  // shown once; never stored
};

class KeyService {
 public:
  // `store` and `clock` must outlive the service.
  KeyService(Store& store, const Clock& clock);

  // hex(SHA-256(secret)), lowercase.
  static std::string HashSecret(std::string_view secret);
  // A fresh secret: kKeyPrefix + 64 hex digits from the OS CSPRNG.
  static Result<std::string> NewSecret();

  // Creates a key of `org` (which must exist; "" only for kRoot). An agent
  // key names an existing agent of the org; other roles name none.
  // Errors: kInvalidArgument "invalid_request", kNotFound "not_found".
  Result<IssuedKey> Create(std::string_view org, KeyRole role, std::string_view agent,
                           std::string_view name);
  // The live (not revoked) key whose secret this is; nullopt otherwise.
  Result<std::optional<ApiKeyRow>> Authenticate(std::string_view secret);
  Result<std::vector<ApiKeyRow>> List(std::string_view org);
  // Errors: kNotFound when `org` has no key `id`.
  Status Revoke(std::string_view org, std::string_view id);
  // Creates a root key when the store has none (first start of an empty
  // database); nullopt when one exists.
  Result<std::optional<IssuedKey>> EnsureRootKey();

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace stub
