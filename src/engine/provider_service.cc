#include "engine/provider_service.h"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>

#include "engine/retrying_txn.h"

namespace stub {
namespace {

// Bounds the cache: past it, the whole cache is dropped (it refills on use).
constexpr std::size_t kProviderCacheMax = 10'000;

Status NoServerKey() {
  return Status(StatusCode::kFailedPrecondition,
                "provider keys need the server's secret key: set STUB_SECRET_KEY (at least 32 "
                "random bytes, hex or base64) or pass --secret-key-file",
                std::string(kSecretKeyMissing));
}

}  // namespace

ProviderService::ProviderService(Store& store, Engine& engine, const Clock& clock,
                                 std::optional<SecretKey> server_key)
    : store_(store), engine_(engine), clock_(clock), key_(std::move(server_key)) {}

Result<bool> ProviderService::Put(std::string_view org, const ProviderConfig& config,
                                  std::string_view actor) {
  if (!key_) return NoServerKey();
  SecretNonce nonce;
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    return Status(StatusCode::kInternal, "the CSPRNG failed", "internal");
  }
  ProviderRow row{.org = std::string(org),
                  .name = config.name,
                  .config = ProviderSettingsJson(config).dump(),
                  .sealed_key = {},
                  .updated_at = clock_.Now()};
  STUB_ASSIGN_OR_RETURN(row.sealed_key, SealSecret(*key_, config.api_key,
                                                   ProviderKeyContext(org, config.name), nonce));
  STUB_ASSIGN_OR_RETURN(bool created, engine_.PutProvider(std::move(row), actor));
  std::lock_guard lock(mu_);
  cache_.erase(std::pair{std::string(org), config.name});
  return created;
}

Result<ProviderConfig> ProviderService::Decode(const ProviderRow& row, std::string api_key) const {
  nlohmann::json body = nlohmann::json::parse(row.config, nullptr, false);
  if (!body.is_object()) {
    return Status(StatusCode::kInternal, "provider '" + row.name + "' is stored unreadably",
                  "internal");
  }
  body["api_key"] = std::move(api_key);
  return ProviderFromJson(row.name, body);
}

Result<std::shared_ptr<const ProviderConfig>> ProviderService::Get(std::string_view org,
                                                                   std::string_view name) {
  const Timestamp now = clock_.Now();
  const std::pair<std::string, std::string> cache_key{std::string(org), std::string(name)};
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && now - it->second.read_at < kProviderCacheTtl &&
        now >= it->second.read_at) {
      return it->second.config;
    }
  }
  STUB_ASSIGN_OR_RETURN(
      std::optional<ProviderRow> row,
      RunRetryingTxn<std::optional<ProviderRow>>(store_, /*read_only=*/true, [&](Transaction& txn) {
        return txn.GetProvider(org, name);
      }));
  std::shared_ptr<const ProviderConfig> config;
  if (row) {
    if (!key_) return NoServerKey();
    STUB_ASSIGN_OR_RETURN(std::string api_key,
                          OpenSecret(*key_, row->sealed_key, ProviderKeyContext(org, name)));
    STUB_ASSIGN_OR_RETURN(ProviderConfig decoded, Decode(*row, std::move(api_key)));
    config = std::make_shared<const ProviderConfig>(std::move(decoded));
  }
  std::lock_guard lock(mu_);
  if (cache_.size() >= kProviderCacheMax) cache_.clear();
  cache_[cache_key] = Cached{config, now};
  return config;
}

Result<std::vector<ProviderConfig>> ProviderService::List(std::string_view org) {
  STUB_ASSIGN_OR_RETURN(
      std::vector<ProviderRow> rows,
      RunRetryingTxn<std::vector<ProviderRow>>(
          store_, /*read_only=*/true, [&](Transaction& txn) { return txn.ListProviders(org); }));
  std::vector<ProviderConfig> out;
  out.reserve(rows.size());
  for (const ProviderRow& row : rows) {
    // A placeholder passes ProviderFromJson's check; it is cleared at once.
    STUB_ASSIGN_OR_RETURN(ProviderConfig c, Decode(row, "sealed"));
    c.api_key.clear();
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace stub
