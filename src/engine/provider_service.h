// The org's LLM providers (issue 21): stored with their upstream key sealed
// under the server's secret key (core/secret_box.h), read back for the
// metering gateway with the key opened.
//
// Without a server key (STUB_SECRET_KEY / --secret-key-file unset) Put
// refuses; reads of stored providers then fail as "secret_key_missing" too.
//
// Get serves from a small per-process cache for up to kProviderCacheTtl, so a
// gateway call costs no store read: a change made through this process is
// seen at once, one made by another process within the TTL.
//
// Thread-safe; `store`, `engine` and `clock` must outlive it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/provider_config.h"
#include "core/secret_box.h"
#include "core/status.h"
#include "engine/clock.h"
#include "engine/engine.h"
#include "store/store.h"

namespace stub {

inline constexpr Timestamp kProviderCacheTtl = kMicrosPerSecond;

// The reason of every refusal for want of a server key.
inline constexpr std::string_view kSecretKeyMissing = "secret_key_missing";

class ProviderService {
 public:
  ProviderService(Store& store, Engine& engine, const Clock& clock,
                  std::optional<SecretKey> server_key);

  // Seals config.api_key and stores the provider config.name of `org`
  // (Engine::PutProvider: audited, never the key). Returns true when new.
  // Errors: kFailedPrecondition "secret_key_missing" (no server key), and
  // Engine::PutProvider's.
  Result<bool> Put(std::string_view org, const ProviderConfig& config, std::string_view actor);

  // The provider with its api_key in the clear, or nullptr when `org` has no
  // such provider. Errors: kFailedPrecondition "secret_key_missing" or
  // "secret_unreadable" (sealed under another server key), store errors.
  Result<std::shared_ptr<const ProviderConfig>> Get(std::string_view org, std::string_view name);

  // The org's providers, ordered by name, api_key empty (nothing is opened).
  Result<std::vector<ProviderConfig>> List(std::string_view org);

 private:
  Result<ProviderConfig> Decode(const ProviderRow& row, std::string api_key) const;

  struct Cached {
    std::shared_ptr<const ProviderConfig> config;  // null: known absent
    Timestamp read_at = 0;
  };

  Store& store_;
  Engine& engine_;
  const Clock& clock_;
  std::optional<SecretKey> key_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Cached, std::less<>> cache_;  // guarded by mu_
};

}  // namespace stub
