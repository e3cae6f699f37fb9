#include "engine/key_service.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <thread>
#include <utility>

#include "core/budget.h"
#include "core/sha256.h"
#include "engine/ids.h"
#include "engine/retrying_txn.h"

namespace stub {

KeyService::KeyService(Store& store, const Clock& clock, KeyServiceOptions options)
    : store_(store), clock_(clock), options_(options) {}

std::string KeyService::HashSecret(std::string_view secret) { return ToHex(Sha256(secret)); }

Result<std::string> KeyService::NewSecret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Internal("the OS random generator failed");
  }
  return std::string(kKeyPrefix) +
         ToHex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<IssuedKey> KeyService::Prepare(std::string_view org, KeyRole role, std::string_view agent,
                                      std::string_view name) {
  if ((role == KeyRole::kRoot) != org.empty()) {
    return InvalidArgument("a root key has no org; every other key has one", "invalid_request");
  }
  if ((role == KeyRole::kAgent) == agent.empty()) {
    return InvalidArgument(
        role == KeyRole::kAgent ? "an agent key needs 'agent'" : "only an agent key names an agent",
        "invalid_request");
  }
  if (name.size() > 200) {
    return InvalidArgument("a key name is at most 200 bytes", "invalid_request");
  }
  STUB_ASSIGN_OR_RETURN(std::string secret, NewSecret());
  IssuedKey issued;
  issued.row.id = NewId("key");
  issued.row.org = std::string(org);
  issued.row.hash = HashSecret(secret);
  issued.row.role = role;
  issued.row.agent = std::string(agent);
  issued.row.name = std::string(name);
  issued.secret = std::move(secret);
  return issued;
}

Status KeyService::Insert(Transaction& txn, IssuedKey& key, Timestamp now) {
  key.row.created_at = now;
  return txn.InsertKey(key.row);
}

Result<IssuedKey> KeyService::Create(std::string_view org, KeyRole role, std::string_view agent,
                                     std::string_view name) {
  STUB_ASSIGN_OR_RETURN(IssuedKey issued, Prepare(org, role, agent, name));
  auto inserted = RunRetryingTxn<bool>(store_, false, [&](Transaction& txn) -> Result<bool> {
    if (!org.empty()) {
      STUB_ASSIGN_OR_RETURN(auto org_row, txn.GetOrg(org));
      if (!org_row) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
    }
    if (!agent.empty()) {
      STUB_ASSIGN_OR_RETURN(auto node, txn.GetNode(org, agent));
      if (!node || node->node.kind != NodeKind::kAgent) {
        return NotFound("unknown agent '" + std::string(agent) + "'", "not_found");
      }
    }
    STUB_RETURN_IF_ERROR(Insert(txn, issued, clock_.Now()));
    return true;
  });
  if (!inserted.ok()) return inserted.status();
  return issued;
}

Result<std::optional<KeyGrant>> KeyService::Authenticate(std::string_view secret,
                                                         KeyFreshness freshness) {
  if (!secret.starts_with(kKeyPrefix)) return std::optional<KeyGrant>();
  return AuthenticateHashed(secret, HashSecret(secret), freshness);
}

Result<std::optional<KeyGrant>> KeyService::AuthenticateHashed(std::string_view secret,
                                                               std::string hash,
                                                               KeyFreshness freshness) {
  if (!secret.starts_with(kKeyPrefix)) return std::optional<KeyGrant>();
  const bool caching = options_.cache_ttl.count() > 0;
  std::uint64_t revocations = 0;
  if (caching) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end()) {
      if (freshness != KeyFreshness::kFresh &&
          std::chrono::steady_clock::now() - it->second.read_at < options_.cache_ttl) {
        return std::optional<KeyGrant>(it->second.grant);
      }
      cache_.erase(it);
    }
    revocations = revocations_;
  }
  if (freshness == KeyFreshness::kCacheOnly) {
    return Status(StatusCode::kUnavailable, "the key is not in the cache",
                  std::string(kKeyNotCached));
  }
  const auto read_at = std::chrono::steady_clock::now();
  auto found = RunRetryingTxn<std::optional<KeyGrant>>(
      store_, true, [&](Transaction& txn) -> Result<std::optional<KeyGrant>> {
        STUB_ASSIGN_OR_RETURN(auto row, txn.GetKeyByHash(hash));
        if (!row || row->revoked()) return std::optional<KeyGrant>();
        KeyGrant grant;
        grant.check.key_hash = row->hash;
        if (!row->org.empty()) {  // a root key has no org, and no epoch
          STUB_ASSIGN_OR_RETURN(auto org, txn.GetOrg(row->org));
          if (!org) return std::optional<KeyGrant>();
          grant.check.epoch = org->key_epoch;
        }
        grant.row = std::move(*row);
        return std::optional<KeyGrant>(std::move(grant));
      });
  if (caching && found.ok() && found->has_value()) {
    std::lock_guard lock(mu_);
    if (revocations == revocations_) {
      if (cache_.size() >= options_.max_cached) cache_.clear();
      cache_.insert_or_assign(std::move(hash), Cached{**found, read_at});
    }
  }
  return found;
}

Result<std::vector<ApiKeyRow>> KeyService::List(std::string_view org) {
  return RunRetryingTxn<std::vector<ApiKeyRow>>(
      store_, true, [&](Transaction& txn) { return txn.ListKeys(org); });
}

Status KeyService::Revoke(std::string_view org, std::string_view id) {
  const Status revoked = RunRetryingTxn<bool>(store_, false, [&](Transaction& txn) -> Result<bool> {
                           STUB_RETURN_IF_ERROR(txn.RevokeKey(org, id, clock_.Now()));
                           if (org.empty()) return true;  // root keys: no org row
                           STUB_ASSIGN_OR_RETURN(auto org_row, txn.GetOrg(org));
                           if (!org_row) return true;
                           ++org_row->key_epoch;
                           STUB_RETURN_IF_ERROR(txn.PutOrg(std::move(*org_row)));
                           return true;
                         }).status();
  // Even on failure (the commit may have happened): forget the key, and keep
  // reads that began before this from caching it.
  std::lock_guard lock(mu_);
  ++revocations_;
  for (auto it = cache_.begin(); it != cache_.end();) {
    const ApiKeyRow& row = it->second.grant.row;
    it = row.id == id && row.org == org ? cache_.erase(it) : std::next(it);
  }
  return revoked;
}

Result<std::optional<IssuedKey>> KeyService::EnsureRootKey() {
  STUB_ASSIGN_OR_RETURN(IssuedKey issued, Prepare("", KeyRole::kRoot, "", "root"));
  Status last;
  for (int attempt = 0; attempt < kRetryingTxnAttempts; ++attempt) {
    auto created = RunRetryingTxn<bool>(store_, false, [&](Transaction& txn) -> Result<bool> {
      STUB_ASSIGN_OR_RETURN(auto roots, txn.ListKeys(""));
      for (const auto& k : roots) {
        if (!k.revoked()) return false;
      }
      issued.row.id = "key_root_" + std::to_string(roots.size() + 1);
      STUB_RETURN_IF_ERROR(Insert(txn, issued, clock_.Now()));
      return true;
    });
    if (created.ok()) {
      return *created ? std::optional<IssuedKey>(std::move(issued)) : std::optional<IssuedKey>();
    }
    // A racing caller inserted the same id first: look again.
    if (created.status().code() != StatusCode::kAlreadyExists) return created.status();
    last = created.status();
  }
  return last;
}

}  // namespace stub
