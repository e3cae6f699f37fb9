// Dashboard sessions (issue 20): an API key exchanged for a random session
// token that the browser keeps in an HttpOnly cookie, so the key itself never
// stays in the page.
//
// Contract:
//   - Create(secret): admin, finance and approver keys only. An unknown or
//     revoked key → kInvalidArgument "unauthorized"; an agent or root key →
//     kFailedPrecondition "forbidden" (agents do not use the dashboard; the
//     root key has no org). The session lives `ttl` from now.
//   - Authenticate(token) reads the store on every call (no cache): it
//     answers the session and its key only while the session has not expired
//     and the key is live — a revocation or a sign-out committed anywhere on
//     the database ends the session for the next request. An expired
//     session's row is deleted there and then (best effort).
//   - Delete(token) is idempotent.
//   - Only hex(SHA-256(token)) is stored; tokens and keys are never logged.
//   - Sign-in links (`stub serve --demo`): IssueSignInLink(secret) answers a
//     random one-time link token for the key and keeps, in this process's
//     memory only, hex(SHA-256(link token)) → the key's hash and an expiry
//     (`link_ttl`). At most `max_links` are kept: issuing one more first
//     drops expired links, then the one that expires soonest. Neither the
//     link token nor the key secret is kept. RedeemSignInLink(link token)
//     erases the link on its first use, whatever follows, and then creates
//     a session exactly as Create would for that key (the key's role and
//     revocation are checked then); a used, unknown or expired link →
//     kInvalidArgument "unauthorized". Links do not survive a restart.
//
// Thread-safe; any number of threads may call it.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/api_key.h"
#include "core/org.h"
#include "core/session.h"
#include "core/status.h"
#include "engine/clock.h"
#include "engine/key_service.h"
#include "engine/requests.h"
#include "store/store.h"

namespace stub {

// Every session token starts with this (recognisable if leaked).
inline constexpr std::string_view kSessionPrefix = "stub_sess_";
// Every sign-in link token starts with this.
inline constexpr std::string_view kSignInLinkPrefix = "stub_link_";

struct SessionServiceOptions {
  std::chrono::seconds ttl{12 * 60 * 60};
  // At most this many expired rows are deleted per SweepExpired call.
  std::size_t sweep_limit = 1000;
  // Sign-in links: how long one may be redeemed, and how many are kept.
  std::chrono::seconds link_ttl{10 * 60};
  std::size_t max_links = 16;
};

// A new session: the token goes to the cookie once and is never stored.
struct IssuedSession {
  std::string token;
  SessionRow row;
  ApiKeyRow key;
  OrgRow org;  // read in the creating transaction
};

// A live session, with the key it acts as.
struct SessionGrant {
  SessionRow row;
  ApiKeyRow key;
  KeyCheck check;  // what a spend made through the session re-checks
  OrgRow org;      // read with the session (currency, kill-switch)
};

class SessionService {
 public:
  // `store` and `clock` must outlive the service.
  SessionService(Store& store, const Clock& clock, SessionServiceOptions options = {});

  const SessionServiceOptions& options() const { return options_; }

  Result<IssuedSession> Create(std::string_view key_secret);
  // A one-time sign-in link token for `key_secret` (see above). Only checks
  // that it looks like a key; what it may do is checked on redemption.
  Result<std::string> IssueSignInLink(std::string_view key_secret);
  Result<IssuedSession> RedeemSignInLink(std::string_view link_token);
  // nullopt: no such session, expired, or its key revoked.
  Result<std::optional<SessionGrant>> Authenticate(std::string_view token);
  Status Delete(std::string_view token);
  // Deletes up to options().sweep_limit expired sessions; returns how many.
  Result<std::size_t> SweepExpired();

 private:
  Result<IssuedSession> CreateForKeyHash(const std::string& key_hash);

  struct PendingLink {
    std::string key_hash;
    Timestamp expires_at = 0;
  };

  Store& store_;
  const Clock& clock_;
  const SessionServiceOptions options_;
  std::mutex links_mu_;
  std::unordered_map<std::string, PendingLink> links_;  // by hex(SHA-256(link token))
};

}  // namespace stub
