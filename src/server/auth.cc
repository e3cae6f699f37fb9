#include "server/auth.h"

#include <algorithm>
#include <cctype>

#include "server/api_error.h"

namespace stub {

Authenticator::Authenticator(KeyService& keys, std::string_view root_secret)
    : keys_(keys), root_hash_(root_secret.empty() ? "" : KeyService::HashSecret(root_secret)) {}

Result<Principal> Authenticator::Authenticate(const ApiRequest& request,
                                              KeyFreshness freshness) const {
  std::string_view header = request.Header("authorization");
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

Status RequireRole(const Principal& p, std::initializer_list<KeyRole> roles) {
  for (KeyRole r : roles) {
    if (p.role == r) return Status::Ok();
  }
  return Forbidden("a " + std::string(KeyRoleName(p.role)) + " key may not do this");
}

}  // namespace stub
