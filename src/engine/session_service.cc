#include "engine/session_service.h"

#include <openssl/rand.h>

#include <array>
#include <thread>
#include <utility>

#include "core/sha256.h"
#include "engine/retrying_txn.h"

namespace stub {
namespace {

// 32 random bytes from the OS CSPRNG, hex.
Result<std::string> RandomHex() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Internal("the OS random generator failed");
  }
  return ToHex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Status SignInUnauthorized() {
  return Status(StatusCode::kInvalidArgument, "unknown or revoked API key", "unauthorized");
}

}  // namespace

SessionService::SessionService(Store& store, const Clock& clock, SessionServiceOptions options)
    : store_(store), clock_(clock), options_(options) {}

Result<IssuedSession> SessionService::Create(std::string_view key_secret) {
  if (!key_secret.starts_with(kKeyPrefix)) return SignInUnauthorized();
  return CreateForKeyHash(KeyService::HashSecret(key_secret));
}

Result<std::string> SessionService::IssueSignInLink(std::string_view key_secret) {
  if (!key_secret.starts_with(kKeyPrefix)) {
    return InvalidArgument("a sign-in link needs an API key", "invalid_request");
  }
  STUB_ASSIGN_OR_RETURN(std::string random, RandomHex());
  std::string token = std::string(kSignInLinkPrefix) + random;
  const Timestamp now = clock_.Now();
  PendingLink link{KeyService::HashSecret(key_secret),
                   now + options_.link_ttl.count() * kMicrosPerSecond};
  std::lock_guard lock(links_mu_);
  if (links_.size() >= options_.max_links) {
    std::erase_if(links_, [now](const auto& entry) { return entry.second.expires_at <= now; });
  }
  while (!links_.empty() && links_.size() >= options_.max_links) {
    auto soonest = links_.begin();
    for (auto it = links_.begin(); it != links_.end(); ++it) {
      if (it->second.expires_at < soonest->second.expires_at) soonest = it;
    }
    links_.erase(soonest);
  }
  if (options_.max_links > 0) links_.emplace(KeyService::HashSecret(token), std::move(link));
  return token;
}

Result<IssuedSession> SessionService::RedeemSignInLink(std::string_view link_token) {
  const auto refused = [] {
    return Status(StatusCode::kInvalidArgument,
                  "this sign-in link was already used, has expired or is unknown: ask for a new "
                  "link (restart `stub serve --demo`) or paste an API key",
                  "unauthorized");
  };
  if (!link_token.starts_with(kSignInLinkPrefix)) return refused();
  PendingLink link;
  {
    std::lock_guard lock(links_mu_);
    auto it = links_.find(KeyService::HashSecret(link_token));
    if (it == links_.end()) return refused();
    link = std::move(it->second);
    links_.erase(it);  // single use, whatever follows
  }
  if (link.expires_at <= clock_.Now()) return refused();
  return CreateForKeyHash(link.key_hash);
}

Result<IssuedSession> SessionService::CreateForKeyHash(const std::string& key_hash) {
  STUB_ASSIGN_OR_RETURN(std::string random, RandomHex());
  STUB_ASSIGN_OR_RETURN(std::string csrf, RandomHex());
  IssuedSession issued;
  issued.token = std::string(kSessionPrefix) + random;
  issued.row.token_hash = KeyService::HashSecret(issued.token);
  issued.row.csrf_token = std::move(csrf);
  auto done = RunRetryingTxn<bool>(store_, false, [&](Transaction& txn) -> Result<bool> {
    STUB_ASSIGN_OR_RETURN(auto key, txn.GetKeyByHash(key_hash));
    if (!key || key->revoked()) return SignInUnauthorized();
    if (key->role == KeyRole::kAgent) {
      return Status(StatusCode::kFailedPrecondition, "agent keys cannot sign in to the dashboard",
                    "forbidden");
    }
    if (key->role == KeyRole::kRoot || key->org.empty()) {
      return Status(StatusCode::kFailedPrecondition,
                    "the root key has no org and cannot sign in to the dashboard; use an org's "
                    "admin, finance or approver key",
                    "forbidden");
    }
    STUB_ASSIGN_OR_RETURN(auto org, txn.GetOrg(key->org));
    if (!org) return SignInUnauthorized();
    issued.org = std::move(*org);
    const Timestamp now = clock_.Now();
    issued.row.key_id = key->id;
    issued.row.key_hash = key->hash;
    issued.row.org = key->org;
    issued.row.created_at = now;
    issued.row.expires_at = now + options_.ttl.count() * kMicrosPerSecond;
    issued.key = std::move(*key);
    STUB_RETURN_IF_ERROR(txn.InsertSession(issued.row));
    return true;
  });
  if (!done.ok()) return done.status();
  return issued;
}

Result<std::optional<SessionGrant>> SessionService::Authenticate(std::string_view token) {
  if (!token.starts_with(kSessionPrefix)) return std::optional<SessionGrant>();
  const std::string hash = KeyService::HashSecret(token);
  const Timestamp now = clock_.Now();
  bool expired = false;
  auto found = RunRetryingTxn<std::optional<SessionGrant>>(
      store_, true, [&](Transaction& txn) -> Result<std::optional<SessionGrant>> {
        STUB_ASSIGN_OR_RETURN(auto session, txn.GetSession(hash));
        if (!session) return std::optional<SessionGrant>();
        if (session->expired(now)) {
          expired = true;
          return std::optional<SessionGrant>();
        }
        STUB_ASSIGN_OR_RETURN(auto key, txn.GetKeyByHash(session->key_hash));
        if (!key || key->revoked() || key->id != session->key_id) {
          return std::optional<SessionGrant>();
        }
        STUB_ASSIGN_OR_RETURN(auto org, txn.GetOrg(key->org));
        if (!org) return std::optional<SessionGrant>();
        SessionGrant grant;
        grant.check.key_hash = key->hash;
        grant.check.epoch = org->key_epoch;
        grant.org = std::move(*org);
        grant.row = std::move(*session);
        grant.key = std::move(*key);
        return std::optional<SessionGrant>(std::move(grant));
      });
  if (expired) {
    // Lazily: the row is dead either way; a failure here changes no answer.
    (void)RunRetryingTxn<bool>(store_, false, [&](Transaction& txn) -> Result<bool> {
      STUB_RETURN_IF_ERROR(txn.DeleteSession(hash));
      return true;
    });
  }
  return found;
}

Status SessionService::Delete(std::string_view token) {
  if (!token.starts_with(kSessionPrefix)) return Status::Ok();
  const std::string hash = KeyService::HashSecret(token);
  return RunRetryingTxn<bool>(store_, false,
                              [&](Transaction& txn) -> Result<bool> {
                                STUB_RETURN_IF_ERROR(txn.DeleteSession(hash));
                                return true;
                              })
      .status();
}

Result<std::size_t> SessionService::SweepExpired() {
  const Timestamp now = clock_.Now();
  return RunRetryingTxn<std::size_t>(store_, false, [&](Transaction& txn) {
    return txn.DeleteExpiredSessions(now, options_.sweep_limit);
  });
}

}  // namespace stub
