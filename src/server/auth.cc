#include "server/auth.h"

#include <algorithm>
#include <cctype>

#include "server/api_error.h"
#include "server/session_cookie.h"

namespace stub {

Authenticator::Authenticator(KeyService& keys, std::string_view root_secret, AuthOptions options)
    : keys_(keys),
      root_hash_(root_secret.empty() ? "" : KeyService::HashSecret(root_secret)),
      options_(options) {}

Result<Principal> Authenticator::Authenticate(const ApiRequest& request,
                                              KeyFreshness freshness) const {
  std::string_view header = request.Header("authorization");
  if (header.empty() && options_.sessions != nullptr) {
    const std::string_view token = CookieValue(request.Header("cookie"), kSessionCookie);
    if (!token.empty()) return AuthenticateSession(request, token, freshness);
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      })) {
    return Unauthorized("an API key is required: Authorization: Bearer <key>");
  }
  const std::string_view secret = header.substr(kBearer.size());
  // One SHA-256 serves both lookups: the configured root key's and the stored keys'.
  std::string hash = KeyService::HashSecret(secret);
  if (!root_hash_.empty() && hash == root_hash_) {
    return Principal{.role = KeyRole::kRoot, .key_id = "root"};
  }
  STUB_ASSIGN_OR_RETURN(auto grant, keys_.AuthenticateHashed(secret, std::move(hash), freshness));
  if (!grant) return Unauthorized("unknown or revoked API key");
  return Principal{.role = grant->row.role,
                   .org = grant->row.org,
                   .agent = grant->row.agent,
                   .key_id = grant->row.id,
                   .key_check = std::move(grant->check)};
}

Result<Principal> Authenticator::AuthenticateSession(const ApiRequest& request,
                                                     std::string_view token,
                                                     KeyFreshness freshness) const {
  if (freshness == KeyFreshness::kCacheOnly) {
    return Status(StatusCode::kUnavailable, "a session is read from the store",
                  std::string(kKeyNotCached));
  }
  STUB_ASSIGN_OR_RETURN(auto grant, options_.sessions->Authenticate(token));
  if (!grant) {
    return Unauthorized(
        "the dashboard session has expired, was signed out, or its key was revoked: sign in "
        "again");
  }
  if (!IsSafeMethod(request.method)) {
    STUB_RETURN_IF_ERROR(CheckBrowserWrite(request, grant->row.csrf_token, options_.behind_tls));
  }
  return Principal{.role = grant->key.role,
                   .org = grant->key.org,
                   .agent = grant->key.agent,
                   .key_id = grant->key.id,
                   .key_check = std::move(grant->check),
                   .via_session = true};
}

Status RequireRole(const Principal& p, std::initializer_list<KeyRole> roles) {
  for (KeyRole r : roles) {
    if (p.role == r) return Status::Ok();
  }
  return Forbidden("a " + std::string(KeyRoleName(p.role)) + " key may not do this");
}

Status RequireOrgAdmin(const Principal& p) {
  STUB_RETURN_IF_ERROR(RequireRole(p, {KeyRole::kAdmin}));
  if (p.org.empty()) return Forbidden("this endpoint needs an admin key of an org");
  return Status::Ok();
}

}  // namespace stub
