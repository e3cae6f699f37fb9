// Who is calling: the Authorization header resolved to a principal (a role in
// an org, or the root operator), and the role checks of API.md.
//
// Missing/unknown/revoked key → 401 unauthorized; a known key without the
// right → 403 forbidden. Thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/api_key.h"
#include "core/status.h"
#include "engine/key_service.h"
#include "server/api_types.h"

namespace stub {

struct Principal {
  KeyRole role = KeyRole::kAgent;
  std::string org;    // empty for root
  std::string agent;  // for kAgent
  std::string key_id;
  // For a stored key: what a spend made with it re-checks in its transaction.
  std::optional<KeyCheck> key_check;
};

class Authenticator {
 public:
  // `root_secret`: the STUB_ROOT_KEY value, or "" (then only stored root keys
  // work). `keys` must outlive the authenticator.
  Authenticator(KeyService& keys, std::string_view root_secret);

  // kCached may reuse a key read a moment ago (see KeyService): only for
  // requests that re-check Principal::key_check in their own transaction.
  Result<Principal> Authenticate(const ApiRequest& request,
                                 KeyFreshness freshness = KeyFreshness::kFresh) const;

 private:
  KeyService& keys_;
  std::string root_hash_;  // HashSecret(STUB_ROOT_KEY), or ""
};

// kOk if `p` has one of `roles`; else 403 forbidden.
Status RequireRole(const Principal& p, std::initializer_list<KeyRole> roles);

}  // namespace stub
