// Who is calling: the Authorization header resolved to a principal (a role in
// an org, or the root operator), and the role checks of API.md.
//
// Missing/unknown/revoked key → 401 unauthorized; a known key without the
// right → 403 forbidden.
//
// Dashboard sessions (issue 20): a request without an Authorization header
// but with a `stub_session` cookie is authenticated as the session's key,
// read from the store on every request (a revoked key or a deleted or
// expired session → 401). Such a request with a method other than GET, HEAD
// or OPTIONS must pass CheckBrowserWrite (server/session_cookie.h): the
// X-CSRF-Token header and the Origin check, else 403 forbidden. A Bearer key
// always wins over a cookie. Thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_key.h"
#include "core/status.h"
#include "engine/key_service.h"
#include "engine/session_service.h"
#include "server/api_types.h"

namespace stub {

struct Principal {
  KeyRole role = KeyRole::kAgent;
  std::string org;    // empty for root
  std::string agent;  // for kAgent
  std::string key_id;
  // For a stored key: what a spend made with it re-checks in its transaction.
  std::optional<KeyCheck> key_check;
  bool via_session = false;  // authenticated by the dashboard's session cookie
};

struct AuthOptions {
  // Dashboard sessions, or null: cookies are ignored. Must outlive the
  // authenticator.
  SessionService* sessions = nullptr;
  // The server sits behind TLS: the browser's Origin is https://<Host>.
  bool behind_tls = false;
};

class Authenticator {
 public:
  // `root_secret`: the STUB_ROOT_KEY value, or "" (then only stored root keys
  // work). `keys` must outlive the authenticator.
  Authenticator(KeyService& keys, std::string_view root_secret, AuthOptions options = {});

  // kCached may reuse a key read a moment ago (see KeyService): only for
  // requests that re-check Principal::key_check in their own transaction.
  // A session cookie always reads the store; with kCacheOnly it answers
  // kUnavailable kKeyNotCached (the caller asks again on a worker).
  Result<Principal> Authenticate(const ApiRequest& request,
                                 KeyFreshness freshness = KeyFreshness::kFresh) const;

  bool behind_tls() const { return options_.behind_tls; }
  // True when `secret` is the configured root key (STUB_ROOT_KEY).
  bool IsRootSecret(std::string_view secret) const {
    return !root_hash_.empty() && KeyService::HashSecret(secret) == root_hash_;
  }

 private:
  Result<Principal> AuthenticateSession(const ApiRequest& request, std::string_view token,
                                        KeyFreshness freshness) const;

  KeyService& keys_;
  std::string root_hash_;  // HashSecret(STUB_ROOT_KEY), or ""
  AuthOptions options_;
};

// kOk if `p` has one of `roles`; else 403 forbidden.
Status RequireRole(const Principal& p, std::initializer_list<KeyRole> roles);

// kOk if `p` is an admin key of an org (not the root key); else 403.
Status RequireOrgAdmin(const Principal& p);

}  // namespace stub
